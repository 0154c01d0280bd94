/**
 * `tcpemu serve --udp ADDR:PORT` and `tcpemu connect --udp ADDR:PORT`: the classic socket-template
 * line chat, run on the model's TCP (lib/tcp, through lib/host) over the UDP link (lib/link/udp.ts)
 * between two real processes, on real time. Nothing here is TCP: only the application on top of
 * SimSocket, argument parsing, and what is printed.
 *
 * Addresses. The UDP address (--udp) is where the datagrams go; the TCP runs between virtual IPv4
 * addresses carried inside them:
 * - the server is 10.0.0.2 (--addr to change it) and listens on TCP port = its UDP port (--tcp-port);
 * - a client is 10.0.0.x with x taken from its own UDP port (1 or 3..254), so that several clients
 *   on one machine (distinct UDP ports) mostly get distinct addresses without being told; --addr
 *   fixes it. Two clients that still collide differ by their TCP port, which is what the server's
 *   link and host demultiplex on (virtual address + TCP port).
 *
 * Ending, as the socket template's half-close (RFC 9293 3.6): the client's end of input (Ctrl-D)
 * half-closes (FIN); the server's side stays open, and what is typed at the server still reaches
 * the client, until the server's own input ends (or at once with --echo, which has nothing more to
 * say); then the server closes its side and the client exits after TIME-WAIT, which lasts 2*MSL:
 * --msl defaults to 1s here (not 30s) because a person is waiting for the prompt. Both sides say
 * on stderr what happened: half-closed, the peer finished sending, closed; `connect` reports each
 * SYN it sends again, with the timeout that expired.
 * A server whose input is a terminal stops when that input ends; with no terminal (a pipe, a file,
 * /dev/null) its input ending only means it has nothing more to say: it keeps serving until SIGINT
 * or SIGTERM. Ctrl-C (SIGINT) aborts with RST and exits 130; SIGTERM likewise, exit 143.
 * Exit status: 0 clean close; 1 the connection failed (refused, reset, timed out); 2 bad usage.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { didYouMeanText, suggest } from './args.ts';
import { langOfArgs, msg, parseLang, sysErr, word, type Lang, type MessageKey, type Msg, type Params } from '../i18n/index.ts';
import { CHAT_USAGE_ZH } from '../i18n/help.ts';
import { Host, type HostTracer, type SimSocket } from '../host/host.ts';
import { UdpLink, UdpLinkError, parseEndpoint, type UdpImpairments, type UdpLinkStats, UDP_DROP_REASONS } from '../link/udp.ts';
import { RealClock } from '../sim/real-clock.ts';
import { Random } from '../sim/random.ts';
import { resolveConfig, type TcpConfigInput } from '../tcp/config.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import type { SegmentEvent, TraceEvent } from '../trace/events.ts';
import { renderLadder } from '../trace/views/ladder.ts';
import { renderStates } from '../trace/views/states.ts';
import { renderSummary, summarize } from '../trace/views/summary.ts';
import { UnitError, parseDuration, parseProbability } from '../scenario/units.ts';
import { PcapWriter } from '../wire/pcap.ts';
import { WireError } from '../wire/errors.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';
import { VERSION } from '../version.ts';

export interface ChatIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborting it acts like Ctrl-C (for tests); the process's SIGINT always does. */
  signal?: AbortSignal;
}

const SERVER_ADDR = '10.0.0.2';
const EXIT_SIGINT = 130;
const EXIT_SIGTERM = 143;
/** Reasons a packet dies on the sending side; the rest are rejections on arrival. */
const SEND_SIDE = new Set(['loss', 'no-route', 'send-error', 'closed']);

const COMMON_USAGE = `  --addr A          this host's virtual IPv4 address (server 10.0.0.2; client 10.0.0.x from its UDP port)
  --tcp-port N      the server's TCP port (default: the UDP port of --udp)
  --loss P --duplicate P --reorder P --corrupt P   impairments on what this side sends (0..1 or 5%)
  --delay MS --jitter MS                            added one-way delay (e.g. 50ms, 0.2s)
  --seed N          seeds initial sequence numbers, ports and impairments (default: random)
  --msl D           maximum segment lifetime; TIME-WAIT is 2*MSL (default 1s, for a person waiting)
  --rto-min D --rto-initial D --max-retries N --syn-retries N --profile rfc|linux
  --trace           print every segment to stderr as it goes, as tcpdump does
  --pcap FILE       write the segments this side sent and accepted, at exit
  --view ladder|states|summary   draw the run at exit (summary includes dropped datagrams)
  --lang en|zh      the language of the messages (default: from LANG/LC_ALL)`;

const SERVE_USAGE = `usage: tcpemu serve --udp ADDR:PORT [--echo] [--once] [options]
  serves line chat on UDP ADDR:PORT (port 0: any); prints "from client: LINE"; answers with
  the lines typed on stdin (to every client), or echoes with --echo. When a client ends its
  input (half-close), what you type still goes to it until you end yours (Ctrl-D). Stops when
  a terminal's input ends; with no terminal on stdin (or --echo), on Ctrl-C or SIGTERM;
  --once: exit after the first client's connection closed
${COMMON_USAGE}`;

const CONNECT_USAGE = `usage: tcpemu connect --udp ADDR:PORT [--bind ADDR:PORT] [--server-addr A] [options]
  sends each line of stdin to the server at UDP ADDR:PORT and prints "from server: LINE";
  end of input half-closes (the server may still answer), and it exits after the four-way close
${COMMON_USAGE}`;

const COMMON_OPTIONS = {
  udp: { type: 'string' },
  addr: { type: 'string' },
  'tcp-port': { type: 'string' },
  loss: { type: 'string' },
  duplicate: { type: 'string' },
  reorder: { type: 'string' },
  corrupt: { type: 'string' },
  delay: { type: 'string' },
  jitter: { type: 'string' },
  seed: { type: 'string' },
  msl: { type: 'string' },
  'rto-min': { type: 'string' },
  'rto-initial': { type: 'string' },
  'max-retries': { type: 'string' },
  'syn-retries': { type: 'string' },
  profile: { type: 'string' },
  trace: { type: 'boolean' },
  pcap: { type: 'string' },
  view: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  lang: { type: 'string' },
} as const;

/**
 * A mistake in the command line: one line on stderr, exit 2. `words` says it in a language (issue 26);
 * the message is its English.
 */
class UsageError extends Error {
  constructor(readonly words: (lang: Lang) => string) {
    super(words('en'));
  }
}

/** A usage mistake worded by the catalogue's `key`. */
function usage(key: MessageKey, params: Params = {}): UsageError {
  return new UsageError((lang) => msg(lang, key, params));
}

/** A decoder's or a unit's error in `lang`: its catalogue words where it has them, else its English. */
function innerText(err: Error, lang: Lang): string {
  if (err instanceof UnitError) {
    const text = err.text && lang !== 'en' ? word(lang, err.text) : err.message;
    const hint = err.hintText && lang !== 'en' ? word(lang, err.hintText) : err.hint;
    return msg(lang, 'chat.withHint', { text, hint });
  }
  if (err instanceof WireError) return lang === 'en' ? err.message.replace(/^at byte 0: /, '') : msg(lang, `wire.${err.code}` as MessageKey);
  return err.message;
}

type Values = Record<string, string | boolean | undefined>;

interface Common {
  udp: { address: string; port: number };
  addr: number | undefined;
  tcpPort: number | undefined;
  impair: Partial<UdpImpairments>;
  seed: number;
  tcp: TcpConfigInput;
  trace: boolean;
  pcap: string | undefined;
  view: 'ladder' | 'states' | 'summary' | undefined;
}

function parseCommon(v: Values, cmd: string): Common {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const wrap = <T>(flag: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof UnitError || err instanceof WireError || err instanceof UdpLinkError) throw new UsageError((lang) => msg(lang, 'chat.flagError', { flag, text: innerText(err, lang) }));
      throw err;
    }
  };
  const int = (flag: string, min: number, max: number): number | undefined => {
    const s = str(flag);
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!/^[0-9]+$/.test(s) || n < min || n > max) throw usage('chat.notWhole', { flag, value: s, min, max });
    return n;
  };
  const udpText = str('udp');
  if (udpText === undefined) throw usage('chat.needsUdp', { cmd });
  const udp = endpoint('udp', udpText, 'chat.what.udp');
  const impair: Partial<UdpImpairments> = {};
  for (const f of ['loss', 'duplicate', 'reorder', 'corrupt'] as const) {
    const s = str(f);
    if (s !== undefined) impair[f] = wrap(f, () => parseProbability(s));
  }
  const dur = (flag: string) => {
    const s = str(flag);
    return s === undefined ? undefined : wrap(flag, () => parseDuration(s));
  };
  if (str('delay') !== undefined) impair.delayMs = dur('delay');
  if (str('jitter') !== undefined) impair.jitterMs = dur('jitter');
  const profile = str('profile');
  if (profile !== undefined && profile !== 'rfc' && profile !== 'linux') throw usage('chat.profile', { value: profile });
  const tcp: TcpConfigInput = {
    profile: profile as 'rfc' | 'linux' | undefined,
    mslMs: dur('msl') ?? 1000,
    rtoMinMs: dur('rto-min'),
    rtoInitialMs: dur('rto-initial'),
    maxRetries: int('max-retries', 1, 100),
    synRetries: int('syn-retries', 1, 100),
  };
  const view = str('view');
  if (view !== undefined && view !== 'ladder' && view !== 'states' && view !== 'summary') throw usage('chat.view', { value: view });
  const pcap = str('pcap');
  if (pcap !== undefined) {
    // Checked now, so a run is not lost for a capture that cannot be written at the end.
    const dir = path.dirname(path.resolve(pcap));
    try {
      accessSync(dir, fsConstants.W_OK);
    } catch {
      throw usage('chat.pcapDir', { dir });
    }
  }
  const addrText = str('addr');
  return {
    udp,
    addr: addrText === undefined ? undefined : wrap('addr', () => parseAddr(addrText)),
    tcpPort: int('tcp-port', 1, 65535),
    impair,
    seed: int('seed', 0, 0xffffffff) ?? (Math.random() * 2 ** 32) >>> 0,
    tcp,
    trace: v.trace === true,
    pcap,
    view: view as Common['view'],
  };
}

function parse(args: string[], cmd: string, extra: Record<string, { type: 'string' | 'boolean' }>): Values {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...extra }, allowPositionals: false, strict: true }).values as Values;
  } catch (err) {
    // An unknown flag gets the nearest known one (as every other command's), not parseArgs' own wording.
    const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec((err as Error).message);
    if (unknown) {
      const known = Object.keys({ ...COMMON_OPTIONS, ...extra });
      const near = suggest(unknown[1].replace(/^-+/, ''), known);
      throw usage('usage.unknownOption', { flag: unknown[1], suggestion: didYouMeanText(near === undefined ? undefined : `--${near}`) });
    }
    // Node's own words for a flag without its value: worded by the catalogue with the same English.
    const first = (err as Error).message.split('\n')[0];
    const missing = /^Option '(-{1,2}[^' ]+) <value>' argument missing$/.exec(first);
    if (missing) throw usage('chat.missing', { flag: missing[1] });
    const ambiguous = /^Option '(-{1,2}[^']+)' argument is ambiguous\.$/.exec(first);
    if (ambiguous) throw usage('chat.ambiguous', { flag: ambiguous[1] });
    throw new UsageError(() => first.replace(/\. To specify.*$/, ''));
  }
}

/**
 * An ADDR:PORT flag's value; a mistake is worded here (the same English as parseEndpoint's, and
 * the catalogue's words for another language).
 */
function endpoint(flag: string, text: string, what: 'chat.what.udp' | 'chat.what.local'): { address: string; port: number } {
  try {
    return parseEndpoint(text, msg('en', what));
  } catch (err) {
    if (!(err instanceof UdpLinkError)) throw err;
    throw usage('chat.flagError', { flag, text: { key: 'chat.endpoint', params: { what: { key: what }, text } } });
  }
}

/** One process's end: clock, trace, link, host, and what is printed at exit. */
class Session {
  readonly clock = new RealClock();
  readonly recorder: TraceRecorder;
  readonly tracer: HostTracer;
  readonly pcap: PcapWriter | undefined;
  link!: UdpLink;
  host!: Host;
  /** Called with every event as it is recorded (connect's SYN retries). */
  watch: ((ev: TraceEvent) => void) | undefined;
  private printed = 0;

  constructor(readonly name: 'client' | 'server', readonly c: Common, readonly io: ChatIo, readonly lang: Lang = 'en') {
    this.recorder = new TraceRecorder(this.clock, { timers: false, congestion: false });
    this.pcap = c.pcap === undefined ? undefined : new PcapWriter(c.pcap);
    const rec = this.recorder;
    // The recorder records; this wrapper also prints each new segment line when --trace asks.
    const after = () => this.printNew();
    this.tracer = {
      segment: (...a) => (rec.segment(...a), after()),
      state: (...a) => (rec.state(...a), after()),
      app: (...a) => (rec.app(...a), after()),
      undecodable: (...a) => (rec.undecodable(...a), after()),
    };
  }

  async open(addr: (local: number) => number, bind: { address?: string; port: number } | undefined, peer: { address: string; port: number } | undefined): Promise<void> {
    this.link = await UdpLink.open({
      // A function: the client's virtual address may come from the UDP port just bound.
      addr, bind, peer, clock: this.clock, seed: this.c.seed, impair: this.c.impair,
      observer: {
        onDrop: (packet, reason, side) => {
          this.recorder.linkDrop(this.name, packet, reason, side === 'receive');
          this.printNew();
        },
        onDeliver: (packet) => this.pcap?.write(this.clock.epochMs(), packet),
      },
    });
    const host = new Host({
      name: this.name, addr: this.link.addr, config: resolveConfig(this.c.tcp), clock: this.clock,
      random: new Random(this.c.seed).fork(`host:${this.name}`), tracer: this.tracer,
      // The link verified both checksums before handing the packet over.
      verifyChecksums: false,
      transmit: (packet) => {
        this.pcap?.write(this.clock.epochMs(), packet);
        this.link.send(packet);
      },
    });
    this.host = host;
    this.link.setReceiver((p, decoded) => host.receiveDecodedPacket(p, decoded));
  }

  private printNew(): void {
    const evs = this.recorder.events;
    for (; this.printed < evs.length; this.printed++) {
      const ev = evs[this.printed];
      if (this.c.trace && ev.type === 'segment') this.io.stderr.write(tcpdumpLine(ev) + '\n');
      this.watch?.(ev);
    }
  }

  /** Let the last segments leave, stop every timer, write the capture, draw the view. */
  async finish(): Promise<void> {
    const c = this.c;
    await this.link.close((c.impair.delayMs ?? 0) + (c.impair.jitterMs ?? 0) + 200);
    this.clock.close();
    this.pcap?.close();
    if (!c.view) return;
    const events = this.recorder.events;
    const color = Boolean((this.io.stderr as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR;
    const peer = this.name === 'client' ? 'server' : 'client';
    const hosts = ['client', 'server'];
    let out: string;
    const lang = this.lang;
    if (c.view === 'ladder') {
      out = `${msg(lang, 'chat.seenFrom', { name: { key: `chat.${this.name}` } })}\n` +
        renderLadder(oneEndView(events, this.name, peer), { hosts, color, width: (this.io.stdout as { columns?: number }).columns ?? 100, lang });
    } else if (c.view === 'states') {
      out = renderStates(events, { color, hosts: [this.name], lang });
    } else {
      const meta: TraceEvent = { type: 'meta', scenario: `udp ${this.name}`, seed: c.seed, version: VERSION, source: '' };
      out = renderSummary(summarize([meta, ...events], { hosts: [this.name] }), { color, lang }) + linkLine(this.link.stats, lang);
    }
    this.io.stdout.write(out.endsWith('\n') ? out : out + '\n');
  }
}

/** The UDP link's own counts, for the summary: datagrams, and drops by reason and side. */
function linkLine(s: UdpLinkStats, lang: Lang): string {
  const parts: Msg[] = UDP_DROP_REASONS.filter((r) => s.dropped[r] > 0).map((r) => ({ key: 'chat.dropped', params: { why: { key: `dropReason.${r}` }, n: s.dropped[r] } }));
  return `${msg(lang, 'chat.linkLine', {
    sent: s.datagramsSent, received: s.received, accepted: s.delivered, dropped: parts.length === 0 ? { key: 'chat.none' } : parts,
    more: s.duplicated + s.reordered + s.corrupted > 0 ? { key: 'chat.linkMore', params: { duplicated: s.duplicated, reordered: s.reordered, corrupted: s.corrupted } } : '',
  })}\n`;
}

/**
 * One process sees only its own end. For the ladder, which pairs each transmission with an arrival,
 * the peer's side is filled in from what this end saw: a segment received was sent by the peer, and
 * a segment sent and not dropped here counts as arrived (whether it did, only the peer knows).
 */
export function oneEndView(events: readonly TraceEvent[], self: string, peer: string): TraceEvent[] {
  const droppedHere = new Set<number>();
  const pendingTx = new Map<string, number[]>();
  const key = (s: SegmentEvent) => `${s.src}>${s.dst} ${s.flags} ${s.seq} ${s.ack} ${s.len}`;
  events.forEach((ev, i) => {
    if (ev.type !== 'segment' || ev.host !== self) return;
    if (ev.event === 'tx') {
      const list = pendingTx.get(key(ev)) ?? [];
      list.push(i);
      pendingTx.set(key(ev), list);
    } else if (ev.event === 'drop' && SEND_SIDE.has(ev.reason ?? '')) {
      const j = pendingTx.get(key(ev))?.pop();
      if (j !== undefined) droppedHere.add(j);
    }
  });
  const out: TraceEvent[] = [];
  events.forEach((ev, i) => {
    if (ev.type === 'segment' && ev.host === self && ev.event === 'rx') {
      const { conn: _conn, ...rest } = ev;
      out.push({ ...rest, event: 'tx', host: peer });
      out.push(ev);
    } else if (ev.type === 'segment' && ev.host === self && ev.event === 'tx' && !droppedHere.has(i)) {
      out.push(ev);
      const { conn: _conn, retransmit: _r, why: _w, ...rest } = ev;
      out.push({ ...rest, event: 'rx', host: peer });
    } else {
      out.push(ev);
    }
  });
  return out;
}

/** `12.345 10.0.0.1.49152 > 10.0.0.2.9000: Flags [S], seq 0, win 65535, options [mss 1460], length 0` */
export function tcpdumpLine(ev: SegmentEvent): string {
  const time = (ev.t / 1000).toFixed(3);
  const dotted = (hp: string) => {
    const i = hp.lastIndexOf(':');
    return i < 0 ? hp : `${hp.slice(0, i)}.${hp.slice(i + 1)}`;
  };
  if (ev.src === '?') return `${time} ? > ?: undecodable datagram, length ${ev.len} (dropped: ${ev.reason ?? 'unknown'})`;
  const flags = ev.flags === '' ? 'none' : ev.flags;
  const parts = [`Flags [${flags}]`];
  if (ev.len > 0) parts.push(`seq ${ev.rseq}:${(ev.rseq + ev.len) >>> 0}`);
  else if (/[SFR]/.test(flags)) parts.push(`seq ${ev.rseq}`);
  if (flags.includes('.')) parts.push(`ack ${ev.rack}`);
  parts.push(`win ${ev.win}`);
  if (ev.options.length > 0) parts.push(`options [${ev.options.join(',')}]`);
  parts.push(`length ${ev.len}`);
  let line = `${time} ${dotted(ev.src)} > ${dotted(ev.dst)}: ${parts.join(', ')}`;
  if (ev.event === 'drop') line += ` (dropped: ${ev.reason ?? 'unknown'})`;
  return line;
}

/** Splits a byte stream into lines; the last unterminated piece comes out at the end. */
class Lines {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(b: Buffer): void {
    this.rest += b.toString('utf8');
    let nl;
    while ((nl = this.rest.indexOf('\n')) >= 0) {
      this.onLine(this.rest.slice(0, nl).replace(/\r$/, ''));
      this.rest = this.rest.slice(nl + 1);
    }
  }
  end(): void {
    if (this.rest !== '') this.onLine(this.rest);
    this.rest = '';
  }
}

/** Reads stdin line by line; stop() lets go of it so the process can exit. */
function readLines(io: ChatIo, onLine: (l: string) => void, onEnd: () => void): { stop: () => void } {
  const rl = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
  let stopped = false;
  rl.on('line', (l) => stopped || onLine(l));
  rl.on('close', () => stopped || onEnd());
  return {
    stop: () => {
      stopped = true;
      rl.close();
      io.stdin.pause();
      // A paused process.stdin still holds the event loop on some terminals; ours only: destroy it.
      if (io.stdin === process.stdin) process.stdin.destroy();
    },
  };
}

/** Ctrl-C (SIGINT, or io.signal) and SIGTERM; `fn` gets the exit status. Returns the remover. */
function onInterrupt(io: ChatIo, fn: (code: number) => void): () => void {
  const int = () => fn(EXIT_SIGINT);
  const term = () => fn(EXIT_SIGTERM);
  process.on('SIGINT', int);
  process.on('SIGTERM', term);
  io.signal?.addEventListener('abort', int, { once: true });
  return () => {
    process.off('SIGINT', int);
    process.off('SIGTERM', term);
    io.signal?.removeEventListener('abort', int);
  };
}

const signalName = (code: number): string => (code === EXIT_SIGTERM ? 'SIGTERM' : 'SIGINT');

/** --lang is en or zh (the language itself is read by langOfArgs). */
function checkLang(v: Values): void {
  if (typeof v.lang === 'string' && parseLang(v.lang) === null) throw usage('cli.badLang', { lang: v.lang });
}

function label(sock: SimSocket): string {
  return `${sock.remoteAddress}:${sock.remotePort}`;
}

async function run(cmd: 'serve' | 'connect', args: string[], io: ChatIo, body: () => Promise<number>): Promise<number> {
  const lang = langOfArgs(args);
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${msg(lang, 'usage.line', { command: `tcpemu ${cmd}`, text: err.words(lang), hint: { key: 'usage.hint', params: { command: `tcpemu ${cmd}` } } })}\n`);
      return 2;
    }
    if (err instanceof UdpLinkError) {
      io.stderr.write(`${msg(lang, 'usage.lineNoHint', { command: `tcpemu ${cmd}`, text: err.text ?? err.message })}\n`);
      return 2;
    }
    throw err;
  }
}

export async function serve(args: string[], io: ChatIo): Promise<number> {
  return run('serve', args, io, async () => {
    const v = parse(args, 'serve', { echo: { type: 'boolean' }, once: { type: 'boolean' } });
    checkLang(v);
    if (v.help) {
      io.stdout.write((langOfArgs(args) === 'zh' ? CHAT_USAGE_ZH.serve : SERVE_USAGE) + '\n');
      return 0;
    }
    const c = parseCommon(v, 'serve');
    const echo = v.echo === true;
    const once = v.once === true;
    const lang = langOfArgs(args);
    const say = (key: MessageKey, params: Params = {}) => io.stderr.write(`${msg(lang, key, params)}\n`);
    const s = new Session('server', c, io, lang);
    await s.open(() => c.addr ?? parseAddr(SERVER_ADDR), { address: c.udp.address, port: c.udp.port }, undefined);
    const tcpPort = c.tcpPort ?? s.link.local.port;
    const listener = s.host.listen(tcpPort);
    say('chat.listening', { udp: `${s.link.local.address}:${s.link.local.port}`, tcp: `${s.host.addrText}:${tcpPort}`, echo: echo ? { key: 'chat.echo' } : '' });

    const open = new Set<SimSocket>();
    /** Connections this side has not half-closed yet: where stdin's lines go. */
    const talking = new Set<SimSocket>();
    /** Lines typed while nobody was connected: the next client gets them. */
    const unsent: string[] = [];
    // A terminal's end of input stops the server; a pipe's or a file's only ends what it has to say.
    const stdinIsTerminal = (io.stdin as { isTTY?: boolean }).isTTY === true;
    // With --echo stdin is not read: the server says nothing of its own, so it has nothing left to
    // say once a client has finished, and only a signal (or --once) ends it.
    let saidAll = echo;
    let done: (code: number) => void = () => {};
    const finished = new Promise<number>((res) => (done = res));
    const closeOurSide = (sock: SimSocket): void => {
      if (!talking.delete(sock)) return;
      say('chat.closingOurs', { who: label(sock) });
      sock.end();
    };

    listener.on('connection', (sock: SimSocket) => {
      open.add(sock);
      talking.add(sock);
      say('chat.connFrom', { who: label(sock) });
      for (const l of unsent.splice(0)) sock.write(l + '\n');
      if (saidAll && !echo) closeOurSide(sock);
      const lines = new Lines((line) => {
        const who: Msg | string = open.size > 1 ? label(sock) : { key: 'chat.client' };
        io.stdout.write(`${msg(lang, 'chat.from', { who, line })}\n`);
        if (echo && talking.has(sock)) sock.write(line + '\n');
      });
      sock.on('data', (b: Buffer) => lines.push(b));
      sock.on('end', () => {
        lines.end();
        // The client has half-closed: our side stays open until we have said all we have to say.
        if (saidAll) {
          say('chat.halfClosed', { who: label(sock) });
          closeOurSide(sock);
        } else {
          say('chat.halfClosedTalk', { who: label(sock) });
        }
      });
      sock.on('error', (err: Error & { code?: string }) => {
        say('chat.sockError', { who: label(sock), code: err.code ?? 'error', err: sysErr(err) });
      });
      sock.on('close', () => {
        open.delete(sock);
        talking.delete(sock);
        say('chat.closed', { who: label(sock) });
        if (once) done(sock.error ? 1 : 0);
        else if (saidAll && stdinIsTerminal && open.size === 0) done(0);
      });
    });

    const input = echo ? { stop: () => {} } : readLines(io, (line) => {
      if (talking.size === 0) unsent.push(line);
      for (const sock of talking) sock.write(line + '\n');
    }, () => {
      saidAll = true;
      if (stdinIsTerminal && !once) {
        say('chat.endAll');
        listener.close();
      } else {
        say('chat.endServing', { until: { key: once ? 'chat.untilFirst' : 'chat.untilSignal' } });
      }
      // Our half-close to everyone (RFC 9293 3.6): they may still send to us.
      for (const sock of [...talking]) closeOurSide(sock);
      if (stdinIsTerminal && !once && open.size === 0) done(0);
    });
    const offInterrupt = onInterrupt(io, (code) => {
      say(open.size === 1 ? 'chat.abortOne' : 'chat.abortMany', { signal: signalName(code), n: open.size });
      done(code); // first: the resets close the sockets, whose handlers would settle it too
      for (const sock of open) sock.resetAndDestroy();
    });
    try {
      return await finished;
    } finally {
      offInterrupt();
      input.stop();
      listener.close();
      await s.finish();
    }
  });
}

export async function connect(args: string[], io: ChatIo): Promise<number> {
  return run('connect', args, io, async () => {
    const v = parse(args, 'connect', { bind: { type: 'string' }, 'server-addr': { type: 'string' } });
    checkLang(v);
    if (v.help) {
      io.stdout.write((langOfArgs(args) === 'zh' ? CHAT_USAGE_ZH.connect : CONNECT_USAGE) + '\n');
      return 0;
    }
    const c = parseCommon(v, 'connect');
    if (c.udp.port === 0) throw usage('chat.udpPortZero');
    let serverAddr: number;
    try {
      serverAddr = parseAddr(typeof v['server-addr'] === 'string' ? v['server-addr'] : SERVER_ADDR);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      throw new UsageError((lang) => msg(lang, 'chat.flagError', { flag: 'server-addr', text: innerText(err, lang) }));
    }
    let bind: { address?: string; port: number } = { port: 0 };
    if (typeof v.bind === 'string') bind = endpoint('bind', v.bind, 'chat.what.local');
    const lang = langOfArgs(args);
    const say = (key: MessageKey, params: Params = {}) => io.stderr.write(`${msg(lang, key, params)}\n`);
    const s = new Session('client', c, io, lang);
    const pick = (udpPort: number): number => {
      if (c.addr !== undefined) return c.addr;
      // 10.0.0.1 or 10.0.0.3..254: never the server's .2, the network's .0 or the broadcast .255.
      const choices = 253;
      const i = udpPort % choices;
      return parseAddr(`10.0.0.${i === 0 ? 1 : i + 2}`);
    };
    await s.open(pick, bind, c.udp);
    const tcpPort = c.tcpPort ?? c.udp.port;
    if (s.host.addr === serverAddr) {
      await s.finish();
      throw usage('chat.addrTaken', { addr: s.host.addrText });
    }
    const cfg = resolveConfig(c.tcp);
    const route: Msg = { key: 'chat.route', params: { tcp: `${formatAddr(serverAddr)}:${tcpPort}`, local: `${s.link.local.address}:${s.link.local.port}`, peer: `${c.udp.address}:${c.udp.port}` } };
    say('chat.connecting', { route });
    // Each SYN sent again says so at once, with the timeout that expired (RFC 6298 5.5 doubles it).
    let lastSynMs: number | undefined;
    let synRetries = 0;
    s.watch = (ev) => {
      if (ev.type !== 'segment' || ev.event !== 'tx' || ev.host !== 'client' || ev.flags !== 'S') return;
      if (lastSynMs !== undefined && ev.retransmit === true) {
        synRetries++;
        say('chat.synAgain', { ms: Math.round(ev.t - lastSynMs), n: synRetries, max: cfg.synRetries });
      }
      lastSynMs = ev.t;
    };
    const sock = s.host.connect(serverAddr, tcpPort);
    let done: (code: number) => void = () => {};
    const finished = new Promise<number>((res) => (done = res));
    const lines = new Lines((line) => io.stdout.write(`${msg(lang, 'chat.from', { who: { key: 'chat.server' }, line })}\n`));
    sock.on('connect', () => say('chat.connected', { local: `${s.host.addrText}:${sock.localPort}`, route }));
    sock.on('data', (b: Buffer) => lines.push(b));
    sock.on('end', () => {
      lines.end();
      if (!stdinEnded) say('chat.serverHalf');
      else say('chat.serverDone', { ms: 2 * cfg.mslMs });
    });
    sock.on('error', (err: Error & { code?: string }) => say('chat.connError', { code: err.code ?? 'error', err: sysErr(err) }));
    let interrupted = false;
    sock.on('close', (hadError: boolean) => {
      if (interrupted) return;
      const failed = hadError || Boolean(sock.error);
      say(failed ? 'chat.failed' : 'chat.closedPlain');
      done(failed ? 1 : 0);
    });
    let stdinEnded = false;
    const input = readLines(io, (line) => {
      if (!sock.closed) sock.write(line + '\n');
    }, () => {
      stdinEnded = true;
      if (sock.closed) return;
      // Half-close: FIN once everything typed is sent; the server may go on sending.
      say('chat.endHalf');
      sock.end();
    });
    const offInterrupt = onInterrupt(io, (code) => {
      say('chat.abortConn', { signal: signalName(code) });
      interrupted = true;
      done(code); // first: the reset closes the socket, whose handler would settle it too
      sock.resetAndDestroy();
    });
    try {
      return await finished;
    } finally {
      offInterrupt();
      input.stop();
      await s.finish();
    }
  });
}
