/**
 * One conversation between the model and the kernel through a TUN device, run by the process that
 * holds the device (fd 3, from lib/real/tun-helper.py) inside the network namespace lib/real/tun.ts
 * made. The model is a Host on the TUN link (lib/link/tun.ts) at MODEL_ADDR with lib/host/net.ts's
 * sockets; the kernel is Node's `net` on the device's own address. Both run the same little
 * application (`converse`), so any difference is the TCPs':
 *
 *   client                                server
 *   connect, send `request`        ->     on all of it: checkpoint 'established', send `reply`
 *   on all of `reply`: send `last`, end() (half-close: FIN, keep reading)
 *                                         on end-of-stream: checkpoint 'halfClosed', send `final`, end()
 *   read `final`, end-of-stream, close
 *
 * Checked: each side read exactly what the other sent (byte for byte), saw end-of-stream and closed
 * without error. Recorded: every state of the model's connection (from its trace), the kernel's
 * states as read from its socket table (/proc/net/tcp of the namespace, read back to back by a
 * worker: states that pass between two reads, like LAST-ACK here, are not seen, never guessed), both
 * sides' states at each checkpoint (the server's application pauses there while the kernel's table
 * is read; a read takes ~5 ms, as long as the whole first exchange) and at the end, and the segments
 * the model sent and received.
 *
 * Whoever is server: `case` 'kernel-client' is a kernel client and a model server; 'model-client'
 * the reverse.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Duplex } from 'node:stream';
import { Host } from '../host/host.ts';
import { connect as modelConnect, createServer as modelServer, type Socket as ModelSocket } from '../host/net.ts';
import { TunLink, type TunLinkStats } from '../link/tun.ts';
import { RealClock } from '../sim/real-clock.ts';
import { Random } from '../sim/random.ts';
import { resolveConfig } from '../tcp/config.ts';
import type { SegmentEvent, TcpStateName, TimedEvent } from '../trace/events.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { parseAddr } from '../wire/ipv4.ts';
import { readSocketTable } from './kernel.ts';
import { startTableSampler } from './table-sampler.ts';
import { firstByteDifference } from '../scenario/expect.ts';

export type TunCase = 'kernel-client' | 'model-client';
export type Checkpoint = 'established' | 'halfClosed';

/** The device's (kernel's) address and the model's, on one /24 routed through the device. */
export const KERNEL_ADDR = '10.99.0.1';
export const MODEL_ADDR = '10.99.0.2';
export const TUN_PREFIX = 24;

export interface DialogueSizes {
  /** Bytes the client sends first, the server's answer, the client's last words before its FIN, the server's after it. */
  request: number;
  reply: number;
  last: number;
  final: number;
}

export const defaultSizes: Readonly<DialogueSizes> = Object.freeze({ request: 100_000, reply: 50_000, last: 1_000, final: 80_000 });

export interface DialogueOptions {
  case: TunCase;
  /** The TUN device's descriptor (non-blocking). */
  fd: number;
  /** The server's TCP port. */
  port: number;
  sizes?: Partial<DialogueSizes>;
  /** The model's TCP profile (linux: window scale, SACK, timestamps, as the kernel offers). Default linux. */
  profile?: 'rfc' | 'linux';
  /** The model's MSL (ms): its TIME-WAIT lasts twice this. Default 200. */
  mslMs?: number;
  /** Seeds the model's ISN and ports. */
  seed?: number;
  /** Bound on the whole conversation (ms); past it, both sockets are aborted and the report says what was awaited. Default 15 000. */
  timeoutMs?: number;
}

export interface EndpointReport {
  side: 'model' | 'kernel';
  role: 'client' | 'server';
  /** addr:port */
  local: string;
  remote: string;
  sent: number;
  received: number;
  /** What was read equals what the other side wrote, byte for byte. */
  receivedIntact: boolean;
  /** Offset of the first wrong byte, when not intact (or the length read when it is short). */
  firstDifference?: number;
  sawEnd: boolean;
  /** The connection closed (the model: its TCP reached CLOSED; the kernel: Node's 'close'). */
  closed: boolean;
  /** Node error codes the application saw. */
  errors: string[];
  /** The model: every state, from the trace. The kernel: each state once, in the order first read from the socket table. */
  states: TcpStateName[];
  /**
   * States at the checkpoints: `established` when the server has read the whole request, `halfClosed`
   * when it saw end-of-stream (the client's FIN acknowledged), `end` when both connections closed.
   */
  at: Partial<Record<Checkpoint | 'end', TcpStateName>>;
}

export interface DialogueReport {
  case: TunCase;
  ok: boolean;
  /** What went wrong, when not ok: a timeout (naming what was awaited) or a failed check. */
  problems: string[];
  model: EndpointReport;
  kernel: EndpointReport;
  /** Options in each side's SYN, tcpdump-style. */
  synOptions: { model: string[]; kernel: string[] };
  /**
   * The model's trace (segments, states, application events; t in ms since its clock started): its
   * view of the wire is the whole wire, every segment it sent (tx) and received (rx).
   */
  trace: TimedEvent[];
  link: TunLinkStats;
  /** TUN device name (from /proc). */
  device: string | undefined;
  /** Reads of the kernel's socket table. */
  tableReads: number;
  /** When each of `kernel.states` was first read, on the trace's clock (ms). */
  kernelStateTimes: number[];
  durationMs: number;
}

/** Bytes that differ from one offset to the next and between messages: a shifted or swapped block shows. */
export function pattern(length: number, salt: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + (i >>> 8) * 13 + (i >>> 16) * 101 + salt) & 0xff;
  return b;
}

interface Messages {
  request: Buffer;
  reply: Buffer;
  last: Buffer;
  final: Buffer;
}

/** One end's application: the same code on Node's sockets and on the model's. */
interface Conversation {
  received: Buffer[];
  bytes: number;
  sawEnd: boolean;
  errors: string[];
  /** Resolves when the application finished its part (for the server: once `final` is written and ended). */
  halfClosed: Promise<void>;
}

function converse(sock: Duplex, role: 'client' | 'server', m: Messages, checkpoint: (name: Checkpoint) => Promise<void>, onError: () => void): Conversation {
  let markHalfClosed!: () => void;
  const c: Conversation = { received: [], bytes: 0, sawEnd: false, errors: [], halfClosed: new Promise((r) => { markHalfClosed = r; }) };
  let answered = false;
  if (role === 'client') sock.once('connect', () => sock.write(m.request));
  const firstExpected = role === 'client' ? m.reply.length : m.request.length;
  sock.on('data', (d: Buffer) => {
    c.received.push(d);
    c.bytes += d.length;
    if (answered || c.bytes < firstExpected) return;
    answered = true;
    if (role === 'server') void checkpoint('established').then(() => sock.write(m.reply));
    else {
      sock.write(m.last);
      sock.end();
      markHalfClosed();
    }
  });
  sock.on('end', () => {
    c.sawEnd = true;
    if (role !== 'server') return;
    void checkpoint('halfClosed').then(() => {
      sock.write(m.final);
      sock.end();
      markHalfClosed();
    });
  });
  sock.on('error', (err: NodeJS.ErrnoException) => {
    c.errors.push(err.code ?? err.message);
    onError();
  });
  return c;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `read` every 5 ms until it gives one of `want` or `maxMs` passed; the last value read. */
async function settle(read: () => TcpStateName | undefined, want: readonly TcpStateName[], maxMs: number): Promise<TcpStateName | undefined> {
  const until = performance.now() + maxMs;
  let s = read();
  while (!(s && want.includes(s)) && performance.now() < until) {
    await sleep(5);
    s = read();
  }
  return s;
}

/** The kernel's socket for the conversation, as its table shows it: states first seen, in order. */
class KernelTable {
  readonly states: TcpStateName[] = [];
  /** When each of `states` was first read (ms on the model's clock: the middle of the read). */
  readonly times: number[] = [];
  reads = 0;
  /** "local>remote" of the kernel's socket, once its application knows it. */
  tuple: string | undefined;
  /** Start (epoch ms) of the newest read applied: a read that began earlier and reports later is stale. */
  private newest = 0;
  private worker: Worker | undefined;
  private readonly addrs = new Set([KERNEL_ADDR, MODEL_ADDR]);
  private readonly ports: Set<number>;

  /** `clockTime` turns epoch ms into the model's clock, so both sides' states share one time axis. */
  constructor(port: number, private readonly clockTime: (epochMs: number) => number) {
    this.ports = new Set([port]);
  }

  start(): Promise<void> {
    return new Promise((res) => {
      const w = startTableSampler(this.addrs, 0, (m) => {
        this.observe(m.t0, m.t1, m.text);
        res();
      });
      this.worker = w;
      w.once('error', () => res());
    });
  }

  /** The state now (a read on this thread), or CLOSED when the socket is no longer in the table. */
  read(): TcpStateName | undefined {
    const t0 = epochNow();
    const text = readFileSync('/proc/net/tcp', 'latin1');
    return this.observe(t0, epochNow(), text);
  }

  private observe(t0: number, t1: number, text: string): TcpStateName | undefined {
    if (!this.tuple || t0 < this.newest) return undefined;
    this.newest = t0;
    this.reads++;
    const row = readSocketTable(this.addrs, this.ports, text).find((r) => `${r.local}>${r.remote}` === this.tuple);
    const state = row?.state ?? (this.states.length > 0 ? 'CLOSED' : undefined);
    if (state && this.states[this.states.length - 1] !== state && !(state === 'CLOSED' && this.states.includes('CLOSED'))) {
      this.states.push(state);
      this.times.push(Math.round(this.clockTime((t0 + t1) / 2) * 1000) / 1000);
    }
    return state;
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

export function segmentsOf(trace: readonly TimedEvent[]): SegmentEvent[] {
  return trace.filter((e): e is SegmentEvent => e.type === 'segment');
}

const epochNow = () => performance.timeOrigin + performance.now();

function modelStates(rec: TraceRecorder, conn: string): TcpStateName[] {
  const out: TcpStateName[] = [];
  for (const ev of rec.events) {
    if (ev.type !== 'state' || ev.conn !== conn) continue;
    if (out.length === 0) out.push(ev.from);
    out.push(ev.to);
  }
  return out;
}

type Observed = Pick<EndpointReport, 'local' | 'remote' | 'closed' | 'states' | 'at'>;

function endpointReport(side: 'model' | 'kernel', role: 'client' | 'server', m: Messages, conv: Conversation | undefined, seen: Observed): EndpointReport {
  const want = role === 'server' ? Buffer.concat([m.request, m.last]) : Buffer.concat([m.reply, m.final]);
  const data = Buffer.concat(conv?.received ?? []);
  const diff = firstByteDifference(data, want);
  const r: EndpointReport = {
    side, role, ...seen,
    sent: role === 'server' ? m.reply.length + m.final.length : m.request.length + m.last.length,
    received: data.length, receivedIntact: diff === undefined, sawEnd: conv?.sawEnd ?? false, errors: conv?.errors ?? [],
  };
  if (diff !== undefined) r.firstDifference = diff;
  return r;
}

/** Run the conversation; never throws for what the TCPs do (that goes in `problems`). */
export async function runDialogue(o: DialogueOptions): Promise<DialogueReport> {
  const sizes = { ...defaultSizes, ...o.sizes };
  const m: Messages = { request: pattern(sizes.request, 1), reply: pattern(sizes.reply, 2), last: pattern(sizes.last, 3), final: pattern(sizes.final, 4) };
  const modelIsServer = o.case === 'kernel-client';
  const problems: string[] = [];
  const clock = new RealClock();
  const recorder = new TraceRecorder(clock, { timers: false, congestion: false });
  // The kernel listens before the model's SYN can arrive; in a namespace of our own the port is free.
  const kernelServer = modelIsServer ? undefined : net.createServer({ allowHalfOpen: true });
  if (kernelServer) await new Promise<void>((res, rej) => kernelServer.once('error', rej).listen(o.port, KERNEL_ADDR, res));
  const link = TunLink.open({ fd: o.fd });
  const host = new Host({
    name: 'model', addr: parseAddr(MODEL_ADDR), clock, random: new Random(o.seed ?? 1).fork('host:model'), tracer: recorder,
    config: resolveConfig({ profile: o.profile ?? 'linux', mslMs: o.mslMs ?? 200 }), transmit: (p) => link.send(p),
  });
  link.setReceiver((p) => host.receivePacket(p));
  const table = new KernelTable(o.port, (epochMs) => epochMs - clock.epochMs(0));
  await table.start();

  let modelSock: ModelSocket | undefined;
  let kernelSock: net.Socket | undefined;
  let modelConv: Conversation | undefined;
  let kernelConv: Conversation | undefined;
  let kernelClosed = false;
  const modelListener = modelIsServer ? modelServer(host, { allowHalfOpen: true }) : undefined;
  const modelAt: EndpointReport['at'] = {};
  const kernelAt: EndpointReport['at'] = {};
  // At the server's end-of-stream the client's FIN has arrived; once it is acknowledged the client
  // sits in FIN-WAIT-2 and the server in CLOSE-WAIT until the server's own FIN.
  const checkpoint = async (name: Checkpoint) => {
    const clientState = modelIsServer ? () => table.read() : () => modelSock?.sim.state;
    const client = await settle(clientState, [name === 'established' ? 'ESTABLISHED' : 'FIN-WAIT-2'], 1000);
    const server = modelIsServer ? modelSock?.sim.state : table.read();
    modelAt[name] = modelIsServer ? server : client;
    kernelAt[name] = modelIsServer ? client : server;
  };

  const t0 = performance.now();
  const waiting = new Set<string>();
  const track = <T>(what: string, p: Promise<T>): Promise<T> => {
    waiting.add(what);
    return p.finally(() => waiting.delete(what));
  };
  // An error on either socket ends the conversation at once: the report lists it.
  let failed!: () => void;
  const failure = new Promise<'error'>((r) => { failed = () => r('error'); });

  const kernelSide = new Promise<{ conv: Conversation; closed: Promise<boolean> }>((resolve) => {
    const attach = (sock: net.Socket) => {
      kernelSock = sock;
      const closed = new Promise<boolean>((r) => sock.once('close', r));
      void closed.then(() => { kernelClosed = true; });
      const conv = converse(sock, modelIsServer ? 'client' : 'server', m, checkpoint, failed);
      kernelConv = conv;
      const known = () => {
        table.tuple = `${sock.localAddress}:${sock.localPort}>${sock.remoteAddress}:${sock.remotePort}`;
        resolve({ conv, closed });
      };
      if (modelIsServer) sock.once('connect', known);
      else known();
    };
    if (kernelServer) {
      kernelServer.on('connection', attach);
    } else {
      attach(net.connect({ host: MODEL_ADDR, port: o.port, allowHalfOpen: true }));
    }
  });

  const modelSide = new Promise<{ conv: Conversation; closed: Promise<boolean> }>((resolve) => {
    const attach = (sock: ModelSocket) => {
      modelSock = sock;
      // The model's TCP is done when its connection reaches CLOSED (after TIME-WAIT for the client),
      // which is later than the stream's own 'close'.
      const closed = new Promise<boolean>((r) => sock.sim.once('close', r));
      modelConv = converse(sock, modelIsServer ? 'server' : 'client', m, checkpoint, failed);
      resolve({ conv: modelConv, closed });
    };
    if (modelListener) {
      modelListener.on('connection', attach);
      modelListener.listen(o.port);
    } else {
      attach(modelConnect(host, { host: KERNEL_ADDR, port: o.port, allowHalfOpen: true }));
    }
  });

  const everything = (async () => {
    const k = await track('the kernel socket to connect', kernelSide);
    const md = await track('the model socket to connect', modelSide);
    await track('the server to finish sending', (modelIsServer ? md : k).conv.halfClosed);
    await track('the kernel socket to close', k.closed);
    await track(`the model's connection to reach CLOSED`, md.closed);
    return { k, md };
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = o.timeoutMs ?? 15_000;
  const timedOut = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });
  const outcome = await Promise.race([everything, failure, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') problems.push(`timed out after ${timeoutMs} ms waiting for ${[...waiting].join(', ')}`);

  const kernelAtEnd = table.read();
  const modelAtEnd = modelSock?.sim.state;
  const modelClosed = modelSock?.sim.closed ?? false;
  const durationMs = performance.now() - t0;
  // Whatever happened, nothing stays open: abort what did not close, stop the reader, close the device.
  if (modelSock && !modelSock.sim.closed) modelSock.resetAndDestroy();
  kernelSock?.destroy();
  kernelServer?.close();
  modelListener?.close();
  await table.stop();
  clock.close();
  link.close();

  const [kLocal, kRemote] = (table.tuple ?? `${KERNEL_ADDR}:?>${MODEL_ADDR}:?`).split('>');
  const sim = modelSock?.sim;
  const model = endpointReport('model', modelIsServer ? 'server' : 'client', m, modelConv, {
    local: `${MODEL_ADDR}:${sim?.localPort ?? '?'}`, remote: `${KERNEL_ADDR}:${sim?.remotePort ?? '?'}`, closed: modelClosed,
    states: modelStates(recorder, sim?.id ?? 'c1'), at: { ...modelAt, end: modelAtEnd },
  });
  const kernel = endpointReport('kernel', modelIsServer ? 'client' : 'server', m, kernelConv, {
    local: kLocal, remote: kRemote, closed: kernelClosed, states: table.states, at: { ...kernelAt, end: kernelAtEnd },
  });
  for (const e of [model, kernel]) {
    if (!e.receivedIntact) problems.push(`the ${e.side} ${e.role} read ${e.received} bytes, ${e.firstDifference === e.received ? 'short of what was sent' : `wrong from byte ${e.firstDifference}`}`);
    if (!e.sawEnd) problems.push(`the ${e.side} ${e.role} never saw end-of-stream`);
    if (e.errors.length) problems.push(`the ${e.side} ${e.role} saw ${e.errors.join(', ')}`);
    else if (!e.closed) problems.push(`the ${e.side} ${e.role}'s connection never closed`);
  }
  const synOf = (ev: 'tx' | 'rx') => segmentsOf(recorder.events).find((s) => s.event === ev && s.flags.includes('S'))?.options ?? [];
  return {
    case: o.case, ok: problems.length === 0, problems, model, kernel,
    synOptions: { model: synOf('tx'), kernel: synOf('rx') },
    trace: recorder.events, link: link.stats, device: link.device, tableReads: table.reads, kernelStateTimes: table.times, durationMs,
  };
}
