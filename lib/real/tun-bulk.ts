/**
 * One bulk transfer between the model and the kernel through the TUN device, over a path that drops
 * chosen packets of the sender (issue 25: "through the TUN device, with the same losses on both").
 * Run by the process that holds the device (fd 3) inside the namespace lib/real/tun.ts made, like
 * lib/real/tun-dialogue.ts; lib/real/tun-loss.ts runs it twice (the kernel sending, then the model
 * sending) and compares the two senders.
 *
 *   kernel (Node's net, 10.99.0.1) -> tcpemu0 -> this process -> MemoryLink -> model Host (10.99.0.2)
 *                                                             <- MemoryLink <-
 *
 * The sender is the client: it connects, writes `bytes`, half-closes; the receiver reads to the end and
 * closes. The path between the device and the model is tcpemu's own in-memory link (lib/link/memory.ts)
 * on real time (lib/real/realtime.ts), as `tcpemu real` runs it between its namespaces: a one-way delay
 * each way, and on the sender's packets only (ACKs are never dropped, so that the two senders meet the
 * same path, whatever their receivers acknowledge) the scripted drops (`drop`: 1-based indices of the
 * packets the sender hands to the path, its SYN being #1) and the seeded random loss. The link's hosts
 * are named by role, `sender` and `receiver`, whichever TCP plays it: the direction sender>receiver then
 * draws from the same random stream (`new Random(seed).fork('link')`, then `link:sender>receiver`) in
 * both runs, so the n-th packet of either sender meets the same fate.
 *
 * The namespace gets the model's settings where Linux takes them (lib/real/netns-settings.ts, as
 * `tcpemu real` sets them): SACK, timestamps, RACK-TLP, D-SACK, F-RTO and the congestion control, CUBIC
 * when the kernel lets a namespace choose it, else Reno on both sides.
 *
 * Recorded: every segment the sender handed to the path, the kernel's as this process read it from the
 * device (its send time, to the read's delay), the model's from its trace; what the path dropped; and
 * the sender's congestion window over time: the model's from its trace, the kernel's read from its
 * socket's tcp_info (tcpi_snd_cwnd, tcpi_snd_ssthresh) through the inet_diag netlink interface as `ss -ti`
 * reads it (lib/real/tun-tcpinfo.py), every millisecond while the transfer runs. Times are ms from the sender's SYN.
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Host } from '../host/host.ts';
import { connect as modelConnect, createServer as modelServer, type Socket as ModelSocket } from '../host/net.ts';
import { TunLink } from '../link/tun.ts';
import { MemoryLink, type DirectionStats } from '../link/memory.ts';
import { RealClock } from '../sim/real-clock.ts';
import { Random } from '../sim/random.ts';
import { resolveConfig, type TcpConfig } from '../tcp/config.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import type { SegmentEvent, TimedEvent } from '../trace/events.ts';
import { decodePacket } from '../wire/tcp.ts';
import { parseAddr } from '../wire/ipv4.ts';
import { firstByteDifference } from '../scenario/expect.ts';
import { RealTimeScheduler } from './realtime.ts';
import { LINUX_MSL_MS, applySysctls, cubicAllowedInNamespaces, namespaceSettings } from './netns-settings.ts';
import { KERNEL_ADDR, MODEL_ADDR, pattern } from './tun-dialogue.ts';
import { findPython } from './kernel.ts';
import type { Msg } from '../i18n/index.ts';

export type BulkSender = 'kernel' | 'model';

export interface BulkOptions {
  sender: BulkSender;
  /** The TUN device's descriptor (non-blocking). */
  fd: number;
  /** The receiver's port. */
  port: number;
  /** Bytes the sender sends. */
  bytes: number;
  /** The sender's packets the path drops, 1-based (its SYN is #1). */
  drop: number[];
  /** Probability that the path loses a packet of the sender's, 0..1, drawn from `seed`. */
  loss: number;
  seed: number;
  /** One-way delay of the path (ms), each way. */
  delayMs: number;
  /** The model's TCP profile (default linux). */
  profile?: 'linux' | 'rfc';
  /** Bound on the transfer (ms); past it both ends are aborted and the report says so. Default 60 000. */
  timeoutMs?: number;
}

/** The sender's congestion window at time t (ms from its SYN), in segments. */
export interface CwndSample {
  t: number;
  cwnd: number;
  ssthresh?: number;
}

export interface BulkReport {
  mode: 'bulk';
  sender: BulkSender;
  ok: boolean;
  problems: string[];
  bytes: number;
  /** Bytes the receiver read, whether they were the sender's, and whether it saw the end of the stream. */
  received: number;
  intact: boolean;
  sawEnd: boolean;
  /** From the sender's SYN to the receiver's last byte (ms). */
  transferMs: number;
  /** The sender's segments (tx, host `kernel` or `model`), the receiver's (tx), the path's drops; t in ms from the sender's SYN. */
  trace: TimedEvent[];
  /** The sender's congestion window over time, each change. */
  cwnd: CwndSample[];
  /** The sender's MSS (its largest data segment). */
  mss: number;
  /** The congestion control both ran. */
  congestionControl: string;
  /** What the namespace could not take, one line each. */
  notApplied: Msg[];
  /** The path's counts, by role ("sender>receiver"). */
  link: Record<string, DirectionStats>;
  /** Changes of the kernel's tcp_info read (when it sends). */
  infoReads: number;
}

/** The link's names for the two ends, by role (see the file comment). */
export const SENDER = 'sender';
export const RECEIVER = 'receiver';

/** One line of lib/real/tun-tcpinfo.py: the read's time (epoch ms) and tcp_info's cwnd and ssthresh (segments). */
export function parseInfoLine(line: string): { epochMs: number; cwnd: number; ssthresh?: number } | undefined {
  const f = line.trim().split(/\s+/).map(Number);
  if (f.length < 3 || f.some((x) => !Number.isFinite(x))) return undefined;
  // TCP_INFINITE_SSTHRESH (0x7fffffff): none yet; ss prints none either.
  return { epochMs: f[0], cwnd: f[1], ...(f[2] < 0x7fffffff ? { ssthresh: f[2] } : {}) };
}

const TCPINFO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tun-tcpinfo.py');

/** The kernel socket's tcp_info as it changes (lib/real/tun-tcpinfo.py), until `stop`; `ready` once it reads (or 5 s). */
function readTcpInfo(port: number, onLine: (line: string) => void): { ready: Promise<void>; stop: () => Promise<void> } {
  const p = spawn(findPython() ?? 'python3', [TCPINFO, String(port), '1'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let rest = '';
  let isReady!: () => void;
  const ready = new Promise<void>((r) => { isReady = r; });
  const bound = setTimeout(isReady, 5000);
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    const lines = (rest + d).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') {
        clearTimeout(bound);
        isReady();
      } else onLine(line);
    }
  });
  p.stdin.on('error', () => {});
  const exited = new Promise<void>((r) => { p.once('close', () => r()); p.once('error', () => r()); });
  void exited.then(() => { clearTimeout(bound); isReady(); });
  return {
    ready,
    stop: async () => {
      p.stdin.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}

/** The model's settings for the run, and whether the namespace may run CUBIC (else both run Reno). */
export function bulkConfig(profile: 'linux' | 'rfc'): TcpConfig {
  // Linux's MSL, so that nothing but the congestion control can differ from the namespace's kernel.
  const c = resolveConfig({ profile, mslMs: LINUX_MSL_MS });
  return c.congestionControl === 'cubic' && !cubicAllowedInNamespaces() ? resolveConfig({ profile, mslMs: LINUX_MSL_MS, congestionControl: 'reno' }) : c;
}

/** Run the transfer; never throws for what the TCPs do (that goes in `problems`). */
export async function runBulk(o: BulkOptions): Promise<BulkReport> {
  const problems: string[] = [];
  const config = bulkConfig(o.profile ?? 'linux');
  const wanted = resolveConfig({ profile: o.profile ?? 'linux' }).congestionControl;
  const settings = namespaceSettings('kernel', config, 1500, wanted);
  const notApplied = [...settings.notApplied, ...applySysctls(settings.sysctls, settings.fallbacks, 'kernel')];

  const clock = new RealClock();
  const recorder = new TraceRecorder(clock, { timers: false, congestion: true });
  const rt = new RealTimeScheduler();
  const nameOf: Record<string, BulkSender> = o.sender === 'kernel' ? { [SENDER]: 'kernel', [RECEIVER]: 'model' } : { [SENDER]: 'model', [RECEIVER]: 'kernel' };
  const link = new MemoryLink(rt.scheduler, new Random(o.seed).fork('link'), {
    default: { delayMs: o.delayMs },
    directions: { [`${SENDER}>${RECEIVER}`]: { loss: o.loss, drop: [...o.drop] } },
  }, { onDrop: (from, _to, packet, reason) => recorder.linkDrop(nameOf[from], packet, reason) });
  const kernelRole = o.sender === 'kernel' ? SENDER : RECEIVER;
  const modelRole = o.sender === 'kernel' ? RECEIVER : SENDER;

  const kernelServer = o.sender === 'model' ? net.createServer({ allowHalfOpen: true }) : undefined;
  if (kernelServer) await new Promise<void>((res, rej) => kernelServer.once('error', rej).listen(o.port, KERNEL_ADDR, res));
  const tun = TunLink.open({ fd: o.fd });
  const host = new Host({
    name: 'model', addr: parseAddr(MODEL_ADDR), clock, random: new Random(o.seed).fork('host:model'), tracer: recorder, config,
    // Onto the path after the call that sent it: advancing the path's clock inside the transmit would hand the
    // model an ACK in the middle of its socket's write, which then queued one range of the write twice.
    transmit: (p) => queueMicrotask(() => { rt.advance(); link.send(modelRole, p); rt.advance(); }),
  });
  link.attach(modelRole, parseAddr(MODEL_ADDR), (p) => host.receivePacket(p));
  link.attach(kernelRole, parseAddr(KERNEL_ADDR), (p) => tun.send(p));
  tun.setReceiver((p) => {
    try {
      const { ip, tcp } = decodePacket(p, { verifyChecksum: false });
      recorder.record(recorder.segmentEvent('tx', 'kernel', undefined, ip.src, ip.dst, tcp));
    } catch {
      // not a segment we can read: it still goes on the path
    }
    rt.advance();
    link.send(kernelRole, p);
    rt.advance();
  });

  const data = pattern(o.bytes, 5);
  const got: Buffer[] = [];
  let received = 0;
  let sawEnd = false;
  let lastByteAt: number | undefined;
  const errors: string[] = [];
  let receiverDone!: () => void;
  const finished = new Promise<void>((r) => { receiverDone = r; });
  let senderClosed!: () => void;
  const senderGone = new Promise<void>((r) => { senderClosed = r; });
  const receive = (sock: net.Socket | ModelSocket) => {
    sock.on('data', (d: Buffer) => {
      got.push(d);
      received += d.length;
      if (received >= o.bytes) lastByteAt ??= clock.now;
    });
    sock.on('end', () => {
      sawEnd = true;
      sock.end();
      receiverDone();
    });
    sock.on('error', (err: NodeJS.ErrnoException) => { errors.push(`receiver: ${err.code ?? err.message}`); receiverDone(); });
  };
  const send = (sock: net.Socket | ModelSocket) => {
    sock.once('connect', () => { sock.write(data); sock.end(); });
    sock.on('data', () => {});
    sock.on('error', (err: NodeJS.ErrnoException) => { errors.push(`sender: ${err.code ?? err.message}`); senderClosed(); });
    sock.once('close', () => senderClosed());
  };

  // The kernel's tcp_info, read every millisecond while it sends.
  const kernelCwnd: CwndSample[] = [];
  let infoReads = 0;
  const info = o.sender === 'kernel' ? readTcpInfo(o.port, (line) => {
    const r = parseInfoLine(line);
    if (!r) return;
    infoReads++;
    kernelCwnd.push({ t: r.epochMs - clock.epochMs(0), cwnd: r.cwnd, ...(r.ssthresh !== undefined ? { ssthresh: r.ssthresh } : {}) });
  }) : undefined;
  await info?.ready;

  const modelListener = o.sender === 'kernel' ? modelServer(host, { allowHalfOpen: true }) : undefined;
  let modelSock: ModelSocket | undefined;
  let kernelSock: net.Socket | undefined;
  if (modelListener) {
    modelListener.on('connection', (s: ModelSocket) => { modelSock = s; receive(s); });
    modelListener.listen(o.port);
    kernelSock = net.connect({ host: MODEL_ADDR, port: o.port, allowHalfOpen: true });
    send(kernelSock);
  } else {
    kernelServer!.on('connection', (s: net.Socket) => { kernelSock = s; receive(s); });
    modelSock = modelConnect(host, { host: KERNEL_ADDR, port: o.port, allowHalfOpen: true });
    send(modelSock);
  }

  const timeoutMs = o.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    finished.then(() => Promise.race([senderGone, new Promise<void>((r) => setTimeout(r, 1000))])).then(() => 'done' as const),
    new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); }),
  ]);
  clearTimeout(timer);
  await info?.stop();
  if (outcome === 'timeout') problems.push(`timed out after ${timeoutMs} ms with ${received} of ${o.bytes} bytes read${sawEnd ? '' : ' and no end-of-stream'}`);
  // Whatever happened, nothing stays open.
  if (modelSock && !modelSock.sim.closed) modelSock.resetAndDestroy();
  kernelSock?.destroy();
  kernelServer?.close();
  modelListener?.close();
  rt.stop();
  clock.close();
  tun.close();

  const diff = firstByteDifference(Buffer.concat(got), data);
  if (diff !== undefined) problems.push(`the receiver read ${received} bytes, ${diff === received ? 'short of what was sent' : `wrong from byte ${diff}`}`);
  if (!sawEnd && outcome !== 'timeout') problems.push('the receiver never saw end-of-stream');
  problems.push(...errors);

  // Times from the sender's SYN; the model's congestion window from its trace, in segments.
  const senderName = o.sender;
  const syn = recorder.events.find((e): e is SegmentEvent => e.type === 'segment' && e.event === 'tx' && e.host === senderName && e.flags.includes('S'));
  const t0 = syn?.t ?? 0;
  const rebase = (t: number) => Math.round((t - t0) * 1000) / 1000;
  const segments = recorder.events.filter((e): e is SegmentEvent => e.type === 'segment' && (e.event === 'tx' || e.event === 'drop'));
  const mss = segments.reduce((m, s) => (s.host === senderName && s.event === 'tx' ? Math.max(m, s.len) : m), 0) || config.mss;
  const cwnd: CwndSample[] = [];
  const note = (t: number, c: number, ss?: number) => {
    const last = cwnd[cwnd.length - 1];
    if (last && last.cwnd === c && last.ssthresh === ss) return;
    cwnd.push({ t: rebase(t), cwnd: c, ...(ss !== undefined ? { ssthresh: ss } : {}) });
  };
  if (o.sender === 'model') {
    // The model reports its window from the first ACK of data on; until then it is the initial window (RFC 6928).
    note(t0, config.initialWindow);
    for (const e of recorder.events) {
      if (e.type !== 'cc' || e.host !== 'model') continue;
      note(e.t, Math.round((e.cwnd / mss) * 100) / 100, e.ssthresh >= 0x7fffffff || !Number.isFinite(e.ssthresh) ? undefined : Math.round((e.ssthresh / mss) * 100) / 100);
    }
  } else {
    for (const s of kernelCwnd) note(s.t, s.cwnd, s.ssthresh);
  }
  return {
    mode: 'bulk', sender: o.sender, ok: problems.length === 0, problems, bytes: o.bytes, received, intact: diff === undefined, sawEnd,
    transferMs: lastByteAt !== undefined ? rebase(lastByteAt) : NaN,
    trace: segments.map((s) => ({ ...s, t: rebase(s.t) })),
    cwnd, mss, congestionControl: config.congestionControl ?? 'reno', notApplied, link: link.stats(), infoReads,
  };
}
