/** Shared by the UDP tests: bounded waits, and a client/server pair over real loopback UDP. */
import { Host, type SimSocket } from '../../lib/host/host.ts';
import { UdpLink, type UdpImpairments } from '../../lib/link/udp.ts';
import { RealClock } from '../../lib/sim/real-clock.ts';
import { Random } from '../../lib/sim/random.ts';
import { resolveConfig, type TcpConfigInput } from '../../lib/tcp/config.ts';
import { parseAddr } from '../../lib/wire/ipv4.ts';
import { TraceRecorder } from '../../lib/trace/recorder.ts';
import { PassThrough } from 'node:stream';
import type { ChatIo } from '../../lib/cli/udp-chat.ts';

/** `promise`, or a rejection naming `what` after `ms`: no test waits forever. */
export function within<T>(ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the event's first argument the next time `emitter` emits it. */
export function once<T = unknown>(emitter: { once(ev: string, fn: (x: T) => void): unknown }, ev: string): Promise<T> {
  return new Promise((res) => emitter.once(ev, res));
}

export interface End {
  host: Host;
  link: UdpLink;
  clock: RealClock;
  recorder: TraceRecorder;
}

export const SERVER_ADDR = parseAddr('10.0.0.2');
export const CLIENT_ADDR = parseAddr('10.0.0.1');

/** Short timers so that loss recovery and TIME-WAIT take well under a second. */
export const FAST_TCP: TcpConfigInput = { mslMs: 100, rtoInitialMs: 100, rtoMinMs: 50, rtoMaxMs: 400, delayedAckMs: 20 };

export async function makeEnd(o: { name: string; addr: number; peer?: { address: string; port: number }; seed?: number; impair?: Partial<UdpImpairments>; tcp?: TcpConfigInput }): Promise<End> {
  const clock = new RealClock();
  const recorder = new TraceRecorder(clock, { timers: false, congestion: false });
  // eslint-disable-next-line prefer-const
  let host: Host;
  const link = await UdpLink.open({
    addr: o.addr, bind: { address: '127.0.0.1', port: 0 }, peer: o.peer, clock, seed: o.seed, impair: o.impair,
    observer: { onDrop: (p, reason, side) => recorder.linkDrop(o.name, p, reason, side === 'receive') },
  });
  host = new Host({
    name: o.name, addr: o.addr, config: resolveConfig({ ...FAST_TCP, ...o.tcp }), clock, random: new Random(o.seed ?? 7).fork(`host:${o.name}`),
    tracer: recorder, verifyChecksums: false, transmit: (p) => link.send(p),
  });
  link.setReceiver((p, decoded) => host.receiveDecodedPacket(p, decoded));
  return { host, link, clock, recorder };
}

export async function closeEnd(e: End): Promise<void> {
  e.clock.close();
  await e.link.close(200);
}

/** Everything a socket reads, as text, and a promise for its 'close'. */
export function collect(sock: SimSocket): { text: () => string; closed: Promise<boolean>; ended: Promise<void> } {
  let text = '';
  sock.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const closed = new Promise<boolean>((res) => sock.once('close', res));
  const ended = new Promise<void>((res) => sock.once('end', () => res()));
  return { text: () => text, closed, ended };
}

/** States a host's connection went through, from the trace. */
export function states(rec: TraceRecorder, host: string, conn = 'c1'): string[] {
  const out: string[] = [];
  for (const ev of rec.events) {
    if (ev.type !== 'state' || ev.host !== host || ev.conn !== conn) continue;
    if (out.length === 0) out.push(ev.from);
    out.push(ev.to);
  }
  return out;
}

/** Resolves with the match of `re` in `text()` once it appears; rejects after `ms`. */
export function waitFor(text: () => string, re: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  return new Promise((res, rej) => {
    const tick = () => {
      const m = re.exec(text());
      if (m) res(m);
      else if (Date.now() > deadline) rej(new Error(`no ${re} within ${ms} ms in:\n${text()}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

/** serve's or connect's streams in memory: `input` on stdin, what they write, and Ctrl-C (abort). */
export function memIo(input = ''): ChatIo & { out: () => string; err: () => string; stdinStream: PassThrough; abort: () => void } {
  const stdin = new PassThrough();
  if (input) stdin.write(input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b));
  stderr.on('data', (b: Buffer) => (err += b));
  const ac = new AbortController();
  return { stdin, stdout, stderr, signal: ac.signal, out: () => out, err: () => err, stdinStream: stdin, abort: () => ac.abort() };
}
