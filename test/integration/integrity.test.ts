/**
 * Integrity under faults (issue 2): for 200 seeds, random impairments up to 20% loss and 10% reorder,
 * duplication and corruption, a transfer of random size both ways, half-close and close. Every byte
 * arrives exactly once and in order at each side (SHA-256), and both sides end CLOSED.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { Scheduler } from '../../lib/sim/scheduler.ts';
import { Random } from '../../lib/sim/random.ts';
import { MemoryLink } from '../../lib/link/memory.ts';
import { Host, type SimSocket } from '../../lib/host/host.ts';
import { resolveConfig } from '../../lib/tcp/config.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';

const sha = (parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

function runSeed(seed: number) {
  const s = new Scheduler();
  const r = new Random(seed);
  const pick = r.fork('impairments');
  const impair = { delayMs: 1 + pick.int(40), jitterMs: pick.int(10), loss: pick.next() * 0.2, reorder: pick.next() * 0.1, duplicate: pick.next() * 0.1, corrupt: pick.next() * 0.1 };
  const sizes = [pick.int(60_000), pick.int(60_000)];
  const link = new MemoryLink(s, r.fork('link'), { default: impair });
  const config = resolveConfig({ mslMs: 1000, maxRetries: 30, profile: pick.chance(0.5) ? 'linux' : 'rfc' });
  const mk = (name: string, addr: string) => {
    const h = new Host({ name, addr: parseAddr(addr), config, clock: s, random: r.fork(name), transmit: (p) => link.send(name, p) });
    link.attach(name, h.addr, (p) => h.receivePacket(p));
    return h;
  };
  const client = mk('client', '10.0.0.1');
  const server = mk('server', '10.0.0.2');
  const data = sizes.map((n, i) => {
    const g = new Random(seed).fork(`data${i}`);
    const b = Buffer.alloc(n);
    for (let k = 0; k < n; k++) b[k] = g.int(256);
    return b;
  });
  const got = { client: [] as Buffer[], server: [] as Buffer[] };
  const sockets: SimSocket[] = [];
  server.listen(80).on('connection', (sock: SimSocket) => {
    sockets.push(sock);
    sock.on('data', (d: Buffer) => got.server.push(Buffer.from(d)));
    sock.on('error', () => {});
    sock.write(data[1]);
    // the server closes once the client has half-closed: the four-way close with data in flight both ways
    sock.on('end', () => sock.destroy());
  });
  const c = client.connect(server.addr, 80);
  sockets.push(c);
  c.on('error', () => {});
  c.on('data', (d: Buffer) => got.client.push(Buffer.from(d)));
  c.on('connect', () => { c.write(data[0]); c.end(); });
  s.runUntil(3_600_000);
  return { impair, sizes, ok: sha(got.server) === sha([data[0]]) && sha(got.client) === sha([data[1]]), states: sockets.map((x) => x.state), errors: sockets.map((x) => x.error).filter(Boolean) };
}

test('200 seeds of random impairments: every byte once, in order, both sides CLOSED', (t) => {
  const bad: string[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    const res = runSeed(seed);
    if (!res.ok || res.states.some((st) => st !== 'CLOSED') || res.errors.length > 0) bad.push(`seed ${seed}: ${JSON.stringify(res)}`);
  }
  t.deepEqual(bad, []);
});
