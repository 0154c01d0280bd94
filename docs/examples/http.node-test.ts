/**
 * Node's own HTTP, server and client, over tcpemu's TCP on a link that loses 5% of the packets each
 * way and reorders 5%: every request must complete with the right body, on 20 seeds.
 * Run: node --test docs/examples/http.node-test.ts (in this repository, `npm test` runs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { World, type Socket } from 'tcpemu';

/** GET `path` from `server` through a fresh connection from `client`; resolves with status and body. */
function get(world: World, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      path,
      // Node's client on an emulated socket: no agent, one connection per request.
      createConnection: () => world.host('client').connect({ host: 'server', port: 80 }) as unknown as import('node:net').Socket,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The body for a path: 20 to 40 kB, many segments each (the MSS is 1460). */
const bodyFor = (path: string): string => `${path} `.repeat(10_000);

/** Over the 20 runs: packets the link lost and reordered (each run alone may be lucky). */
const impaired = { loss: 0, reordered: 0 };

for (let seed = 1; seed <= 20; seed++) {
  test(`seed ${seed}: four GETs over 5% loss and 5% reordering`, async () => {
    const world = new World({ seed, link: { delayMs: 5, loss: 0.05, reorder: 0.05 } });
    const app = http.createServer((req, res) => res.end(bodyFor(req.url ?? '/')));
    // Node's server takes connections from anywhere: hand it each one tcpemu accepts.
    world.host('server').createServer((socket: Socket) => app.emit('connection', socket)).listen(80);

    const paths = ['/a', '/b', '/cc', '/ddd'];
    const replies = await world.settle(Promise.all(paths.map((p) => get(world, p))));
    for (const [i, r] of replies.entries()) {
      assert.equal(r.status, 200);
      assert.equal(r.body, bodyFor(paths[i]));
    }
    await world.run(); // every connection closes, TIME-WAIT included
    for (const s of Object.values(world.linkStats())) {
      impaired.loss += s.dropped.loss;
      impaired.reordered += s.reordered;
    }
    // The ladder of the exchange: both hosts, every connection's handshake, each loss marked.
    const ladder = world.ladder();
    assert.match(ladder, /client 10\.0\.0\.1.*server 10\.0\.0\.2:80/);
    assert.ok((ladder.match(/─ S seq 0 /g)?.length ?? 0) >= paths.length, 'a SYN for each request');
    const lost = world.events.filter((e) => e.type === 'segment' && e.event === 'drop').length;
    // One ✕ in the legend, then one for each segment lost.
    assert.equal((ladder.match(/✕/g)?.length ?? 0) - 1, lost);
  });
}

test('the link did lose and reorder packets in those runs', () => {
  assert.ok(impaired.loss > 20, `lost ${impaired.loss}`);
  assert.ok(impaired.reordered > 20, `reordered ${impaired.reordered}`);
});
