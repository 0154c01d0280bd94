/**
 * The library's World (lib/api/world.ts) as a user's test drives it: net-shaped sockets on virtual
 * time, the clock (run, runUntil, step, settle, realtime), faults injected from the test, a reset from
 * outside, triggers, and the expectation helpers that fail with the ladder.
 */
import test from 'ava';
import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { World, ExpectationError, PatternError, expectDelivered, expectErrors, expectSegments, expectStates, type Socket, type WorldOptions } from '../../lib/index.ts';

/** An echo server on port 7 of 'server'; the client sends `text`, half-closes, and collects the echo. */
function echo(opts: WorldOptions = {}, text = 'hello') {
  const world = new World({ link: { delayMs: 10 }, tcp: { mslMs: 1000 }, ...opts });
  world.host('server').createServer((s) => s.pipe(s)).listen(7);
  const client = world.host('client').connect({ host: 'server', port: 7 });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  client.on('error', () => undefined);
  client.end(text);
  return { world, client, echoed: () => Buffer.concat(got).toString() };
}

const HANDSHAKE_AND_ECHO = `
  client > server  S   seq 0
  server > client  S.  seq 0 ack 1
  client > server  P.  seq 1:6 ack 1
  client > server  F.  seq 6 ack 1
  ...`;

test('an echo over a 10 ms link: run() until idle, then the scenario notation holds', async (t) => {
  const { world, echoed } = echo();
  await world.run();
  t.is(echoed(), 'hello');
  t.true(world.idle);
  // The server's FIN waits for its echo to be written, and TIME-WAIT lasts 2 MSL (2 s here).
  t.is(world.now, 2040);
  expectSegments(world, HANDSHAKE_AND_ECHO);
  expectStates(world, { client: 'CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED', server: 'LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED' });
  expectDelivered(world, { server: 'hello', client: 'hello' });
  t.deepEqual(world.check({ delivered: { client: 5 } }).map((r) => r.ok), [true]);
});

test('a failed expectation throws ExpectationError with what differs and the ladder of the run', async (t) => {
  const { world } = echo();
  await world.run();
  const err = t.throws(() => expectSegments(world, 'client > server S\nserver > client R'), { instanceOf: ExpectationError });
  t.regex(err!.message, /line 2 did not match/);
  t.regex(err!.message, /expected \(line 2\): +server > client R/);
  t.regex(err!.message, /differs in: flags/);
  t.regex(err!.message, /tcpemu ladder · scenario world · seed 1/);
  t.regex(err!.message, /─ S seq 0 win 65535 <mss 1460> ─+[>╮]/);
  t.is(err!.code, 'ERR_ASSERTION');
  t.throws(() => expectStates(world, { client: 'CLOSED LISTEN' }), { instanceOf: ExpectationError, message: /state 2 differs: expected LISTEN, got SYN-SENT/ });
  t.throws(() => expectErrors(world, { client: 'ECONNRESET' }), { instanceOf: ExpectationError, message: /expected ECONNRESET; client saw no error/ });
  // Written wrong: where, and what would be right.
  t.throws(() => expectSegments(world, 'client > server S\nclient > sever .'), { instanceOf: PatternError, message: /unknown host "sever"/ });
  t.throws(() => expectStates(world, { client: 'CLOSED ESTABLISH' }), { instanceOf: PatternError, message: /"ESTABLISH" is not a TCP state/ });
});

test('runUntil, runFor and step move virtual time as asked; nothing runs ahead of it', async (t) => {
  const { world, echoed } = echo();
  await world.runUntil(15);
  t.is(world.now, 15);
  t.is(world.host('server').address, '10.0.0.2');
  t.deepEqual(world.events.filter((e) => e.type === 'state').map((e) => `${e.host} ${e.to}`), ['client SYN-SENT', 'server SYN-RECEIVED']);
  t.true(await world.step()); // the SYN-ACK arrives at 20 ms
  t.is(world.now, 20);
  await world.runFor(25);
  t.is(world.now, 45);
  t.is(echoed(), 'hello');
  await world.run();
  t.false(await world.step());
});

test('settle(promise) runs the world until the promise settles, and says so when it never can', async (t) => {
  const { world, client } = echo();
  const ended = new Promise((resolve) => client.on('end', resolve));
  await world.settle(ended);
  t.is(world.now, 40); // the server's FIN arrived; TIME-WAIT is still ahead
  t.false(world.idle);
  const never = new Promise(() => undefined);
  await t.throwsAsync(world.settle(never), { message: /the world went idle at 2040 ms before the promise settled/ });
  const w2 = echo().world;
  await t.throwsAsync(w2.settle(never, { timeoutMs: 25 }), { message: /the timeout \(25 ms of virtual time\) passed at 25 ms before the promise settled/ });
});

test("a socket's setTimeout is on virtual time: 'timeout' after exactly that long idle, reset by traffic", async (t) => {
  const world = new World({ link: { delayMs: 10 } });
  let fired: number | undefined;
  world.host('server').createServer((s) => {
    s.setTimeout(500, () => (fired = world.now));
  }).listen(80);
  const c = world.host('client').connect(80, 'server');
  world.at(100, () => c.write('x'));
  await world.runUntil(2000);
  // Accepted at 30 ms (the client's ACK), data read at 110 ms: idle from then on.
  t.is(fired, 610);
});

test('the same seed gives the same run, event for event, with Node http on both ends', async (t) => {
  const once = async () => {
    const world = new World({ seed: 7, link: { delayMs: 3, loss: 0.05, reorder: 0.05 } });
    const app = http.createServer((req, res) => {
      // The Date header is the wall clock's: the one thing in these bytes that is not the seed's.
      res.sendDate = false;
      res.end(`${req.url} `.repeat(3000));
    });
    world.host('server').createServer((s) => app.emit('connection', s)).listen(80);
    const get = (path: string) => new Promise<string>((resolve, reject) => {
      const req = http.request({ path, createConnection: () => world.host('client').connect({ host: 'server', port: 80 }) as unknown as NetSocket }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    const bodies = await world.settle(Promise.all([get('/x'), get('/yy')]));
    await world.run();
    return { bodies, trace: JSON.stringify(world.events), pcap: world.pcap() };
  };
  const a = await once();
  const b = await once();
  t.deepEqual(a.bodies, ['/x '.repeat(3000), '/yy '.repeat(3000)]);
  t.true(a.trace.includes('"reason":"loss"'));
  t.is(a.trace, b.trace);
  t.true(a.pcap.equals(b.pcap));
});

test('faults: drop the next N segments of a direction; each is traced as a drop and TCP repairs it', async (t) => {
  // The SYN left when connect() was called: the next two client > server are the data (on the handshake's ACK) and the FIN.
  const { world, echoed } = echo({ tcp: { mslMs: 1000, rtoInitialMs: 200, rtoMinMs: 200 } });
  world.faults.drop('client > server', { count: 2 });
  t.is(world.faults.pending, 2);
  await world.run();
  t.is(world.faults.pending, 0);
  t.is(echoed(), 'hello');
  const drops = world.events.filter((e) => e.type === 'segment' && e.event === 'drop');
  t.deepEqual(drops.map((e) => e.type === 'segment' && `${e.t} ${e.flags} ${e.rseq} ${e.reason}`), ['20 P. 1 fault', '20 F. 6 fault']);
  // The lost ACK of the SYN-ACK brings the SYN-ACK again; the data and FIN go again on the client's RTO.
  const resent = world.events.filter((e) => e.type === 'segment' && e.event === 'tx' && e.retransmit);
  t.true(resent.some((e) => e.type === 'segment' && e.host === 'client' && e.rseq === 1 && e.why === 'rto'));
  expectDelivered(world, { server: 'hello', client: 'hello' });
});

test("faults: drop the segment matching 'server > client F.'; the FIN is sent again on the RTO (RFC 9293 3.8.1)", async (t) => {
  const { world } = echo();
  world.faults.drop('server > client F.');
  await world.run();
  const fins = world.events.filter((e) => e.type === 'segment' && e.flags.includes('F') && e.src.startsWith('10.0.0.2'));
  const story = fins.map((e) => e.type === 'segment' && `${e.event}${e.reason ? ` ${e.reason}` : ''}${e.why ? ` ${e.why}` : ''}`);
  t.deepEqual(story, ['tx', 'drop fault', 'tx rto', 'rx']);
  t.true(fins[2]!.t - fins[1]!.t >= 1000, 'not before the RTO (at least rto-min, 1 s)');
  t.regex(world.ladder(), /F\. seq 6 ack 7 win 65535 ─+✕ fault|fault ✕─+ F\. seq 6 ack 7/);
});

test('faults: delay holds a segment back, corrupt flips a bit that the receiver checksum catches', async (t) => {
  const d = echo();
  d.world.faults.delay('client > server P.', 300);
  await d.world.runUntil(400);
  const rx = d.world.events.find((e) => e.type === 'segment' && e.event === 'rx' && e.host === 'server' && e.len > 0);
  t.is(rx?.t, 330); // sent at 20 ms, held 300 ms, 10 ms on the wire
  t.is(d.echoed(), 'hello');

  const c = echo();
  c.world.faults.corrupt('client > server P.');
  await c.world.run();
  const dropped = c.world.events.find((e) => e.type === 'segment' && e.event === 'drop');
  t.is(dropped?.host, 'server');
  t.regex(String(dropped?.type === 'segment' && dropped.reason), /checksum/);
  t.is(c.echoed(), 'hello'); // resent on the RTO
  t.throws(() => c.world.faults.drop('client > nobody'), { instanceOf: PatternError, message: /unknown host "nobody"/ });
  t.throws(() => c.world.faults.delay('client > server', -1), { message: /not a number of milliseconds/ });
});

test('faults match on a link with jitter too (segments sent at fractional times)', async (t) => {
  const { world, echoed } = echo({ link: { delayMs: 10, jitterMs: 3 } });
  world.faults.drop('server > client P.');
  await world.run();
  t.is(echoed(), 'hello');
  const drop = world.events.find((e) => e.type === 'segment' && e.event === 'drop');
  t.true(drop !== undefined && drop.type === 'segment' && drop.reason === 'fault' && drop.flags === 'P.' && !Number.isInteger(drop.t));
  t.throws(() => world.host('client').connect({ host: 'sever', port: 7 }), { message: /"sever" is neither a host of this world \(client, server\) nor an IPv4 address/ });
});

test('link down and up at virtual times, and when an event happens', async (t) => {
  const { world, echoed } = echo({ tcp: { mslMs: 1000, rtoInitialMs: 200, rtoMinMs: 200 } });
  // When the server enters CLOSE-WAIT (its FIN follows at once), nothing more gets through for a while.
  world.when({ host: 'server', state: 'CLOSE-WAIT' }, () => world.setLinkUp(false));
  world.at(500, () => world.setLinkUp(true));
  await world.run();
  t.is(echoed(), 'hello');
  const down = world.events.filter((e) => e.type === 'segment' && e.event === 'drop' && e.reason === 'down');
  t.true(down.length >= 1);
  t.true(down.every((e) => e.t >= 30 && e.t < 500));
  t.true(world.linkUp);
  t.throws(() => world.when({ host: 'nobody', state: 'CLOSED' }, () => undefined), { message: /no host named nobody/ });
});

test('reset from the outside: a RST at RCV.NXT from the peer address resets the connection (RFC 5961 3.2)', async (t) => {
  const world = new World({ link: { delayMs: 10 } });
  let serverSide: Socket | undefined;
  world.host('server').createServer({ allowHalfOpen: true }, (s) => {
    serverSide = s;
    s.on('error', () => undefined);
  }).listen(80);
  const c = world.host('client').connect({ host: 'server', port: 80 });
  let clientError: string | undefined;
  c.on('error', (e: NodeJS.ErrnoException) => (clientError = e.code));
  // Once established both ways, at 100 ms: reset the client's end, and the server's with it.
  world.at(100, () => world.reset(c, { both: true }));
  await world.run();
  t.is(clientError, 'ECONNRESET');
  t.is(serverSide?.state, 'CLOSED');
  expectErrors(world, { client: 'ECONNRESET', server: 'ECONNRESET' });
  const injected = world.events.filter((e) => e.type === 'segment' && e.event === 'tx' && e.why === 'injected');
  t.deepEqual(injected.map((e) => e.type === 'segment' && `${e.host} ${e.flags} ${e.t}`), ['server R 100', 'client R 100']);
  expectSegments(world, '...\nserver > client R\nclient > server R');
});

test('realtime: each instant is taken when the wall clock reaches it', async (t) => {
  const { world, echoed } = echo({ realtime: true, link: { delayMs: 30 } });
  const t0 = performance.now();
  await world.runUntil(120);
  const wall = performance.now() - t0;
  t.is(echoed(), 'hello'); // at 120 ms: SYN, SYN-ACK, data, echo
  t.true(wall >= 115, `took ${wall} ms`);
  t.true(wall < 5000);
});

test('the outputs: trace with its meta line, pcap, report, states and summary views', async (t) => {
  const { world } = echo({ seed: 5, name: 'echo' });
  await world.run();
  const trace = world.trace();
  t.like(trace[0], { type: 'meta', scenario: 'echo', seed: 5 });
  const pcap = world.pcap();
  t.is(pcap.readUInt32LE(0), 0xa1b2c3d4);
  t.is(world.linkStats()['client>server']!.sent, trace.filter((e) => e.type === 'segment' && e.event === 'tx' && e.host === 'client').length);
  t.regex(world.report(), /^<!DOCTYPE html>/i);
  t.regex(world.statesView(), /CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1/);
  t.regex(world.summary(), /client/);
  t.throws(() => world.host('nobody'), { message: /no host named nobody; the hosts are client, server/ });
});

test('onTrace sees every event as it is recorded, in order, until it is stopped', async (t) => {
  const { world } = echo();
  const seen: string[] = [];
  const stop = world.onTrace((ev) => seen.push(JSON.stringify(ev)));
  await world.runUntil(30);
  stop();
  const upTo30 = world.events.filter((e) => e.t <= 30).map((e) => JSON.stringify(e));
  // Events recorded before onTrace was called (the SYN sent at connect) are not shown again.
  t.deepEqual(seen, upTo30.slice(upTo30.length - seen.length));
  t.true(seen.length > 5);
  const before = seen.length;
  await world.run();
  t.is(seen.length, before, 'nothing after stop()');
  t.true(world.events.length > upTo30.length);
});
