import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock } from '../sim/clock.ts';
import { Random } from '../sim/random.ts';
import { decodePacketInto, packetScratch, type PacketScratch } from '../wire/tcp.ts';

const VERIFY = Object.freeze({ verifyChecksum: true });
import { formatAddr } from '../wire/ipv4.ts';
import { WireError } from '../wire/errors.ts';
import { LinkError, newLinkStats, type LinkDropObserver, type LinkStats } from './common.ts';
import { defaultDirectionConfig, directionConfigProblems, drawFate, withBitFlipped, type LinkDirectionConfig } from './memory.ts';
import { word, type Msg } from '../i18n/index.ts';

/**
 * The UDP link: the same IPv4 packets the in-memory link carries (IPv4 header + TCP segment, exactly
 * the bytes Host.transmit hands over), one per UDP datagram, on real time between real processes.
 *
 * Addressing. Each process's Host has a virtual IPv4 address (the CLI uses 10.0.0.2 for a server
 * and 10.0.0.x for clients); the UDP address is only how the datagram gets there.
 * - A link with a `peer` (a client) sends every packet to that UDP address, and accepts datagrams
 *   only from it ('stranger' otherwise): nobody else has any business talking to it.
 * - A link without a peer (a server) learns peers: each accepted datagram maps its IPv4 source
 *   address + TCP source port to the UDP address it came from, and a packet is sent to the UDP
 *   address its IPv4 destination + TCP destination port was last seen at ('no-route' if never).
 *   Last seen, not first: a client whose NAT mapping or socket changed keeps working. The table is
 *   bounded (oldest forgotten first) so a flood of invented addresses cannot grow it without end.
 *
 * Safety on receipt: a datagram reaches the receiver only if it is a well-formed IPv4 packet carrying
 * TCP, exactly one packet long, with both checksums right, addressed to this host's virtual address,
 * from a plausible unicast source. Everything else is counted in `stats.dropped` by reason, told to the
 * observer, and forgotten: never an exception, never the application. A peer that vanishes is not
 * the link's business: the TCP's own retransmission timeout gives ETIMEDOUT.
 *
 * Impairments (optional) act on the sending side, with the meaning and draw order of
 * lib/link/memory.ts: exactly six draws per packet (loss, duplicate, reorder, corrupt, jitter, corrupt
 * bit) from a stream seeded by `seed`, whatever the probabilities are and whether or not the packet
 * survives, so the same seed and the same packets give the same fate for each packet. (Real time
 * decides which packets a TCP sends, so two real runs may still differ; the draws per packet do not.)
 */
export interface UdpEndpoint {
  address: string;
  port: number;
}

/**
 * The impairments a sending side can apply on real time: the in-memory link's, less what needs a
 * shared wire (scripted drops, rate, MTU, queue). Same meaning, defaults and checks as there.
 */
export type UdpImpairments = Pick<LinkDirectionConfig, 'delayMs' | 'jitterMs' | 'loss' | 'duplicate' | 'reorder' | 'corrupt' | 'reorderDelayMs'>;

const d = defaultDirectionConfig;
export const defaultImpairments: Readonly<UdpImpairments> = Object.freeze({
  delayMs: d.delayMs, jitterMs: d.jitterMs, loss: d.loss, duplicate: d.duplicate, reorder: d.reorder, corrupt: d.corrupt, reorderDelayMs: d.reorderDelayMs,
});

/** Why a packet or datagram died. The first four happen on the sending side, the rest on receipt. */
export type UdpDropReason =
  | 'loss' // impairment
  | 'no-route' // server: nobody with that IPv4 address + TCP port was ever heard from
  | 'send-error' // the operating system refused the datagram
  | 'closed' // sent after close, or still delayed at close
  | 'malformed' // not an IPv4 packet carrying one whole TCP segment
  | 'checksum' // IPv4 or TCP checksum does not verify
  | 'not-mine' // IPv4 destination is not this host's virtual address
  | 'bad-source' // IPv4 source or TCP source port no real peer would use (ours, 0, broadcast, multicast, loopback)
  | 'stranger'; // client: a datagram from a UDP address other than the server's

export const UDP_DROP_REASONS: readonly UdpDropReason[] = ['loss', 'no-route', 'send-error', 'closed', 'malformed', 'checksum', 'not-mine', 'bad-source', 'stranger'];

/** `received`, `delivered`: datagrams. */
export interface UdpLinkStats extends LinkStats<UdpDropReason> {
  /** Datagrams put on the socket (duplicates included); `sent` counts packets handed to send(). */
  datagramsSent: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Server: times a known peer was seen at a new UDP address. */
  moved: number;
  /** Socket-level errors reported after bind (counted, never thrown). */
  socketErrors: number;
}

/** onDrop's `side` is 'send' for an impairment or no route. */
export interface UdpLinkObserver extends LinkDropObserver<UdpDropReason> {
  /** A datagram accepted and about to be handed to the receiver. */
  onDeliver?(packet: Buffer, from: UdpEndpoint): void;
  onCorrupt?(original: Buffer, corrupted: Buffer): void;
}

export interface UdpLinkOptions {
  /**
   * This host's virtual IPv4 address (uint32): datagrams for any other are dropped ('not-mine'). A
   * function is given the bound UDP port first (a client may derive its address from it).
   */
  addr: number | ((boundPort: number) => number);
  /** Local UDP address to bind; port 0 (the default) takes an ephemeral port. Default 0.0.0.0:0, or :: for an IPv6 peer. */
  bind?: Partial<UdpEndpoint>;
  /** The one UDP address to talk to (a client); without it the link learns its peers (a server). */
  peer?: UdpEndpoint;
  /** Timers for delayed and held-back packets. */
  clock: Clock;
  impair?: Partial<UdpImpairments>;
  /** Seeds the impairment draws (default 1). */
  seed?: number;
  observer?: UdpLinkObserver;
  /** Most peers a server remembers (default 65536). */
  maxPeers?: number;
}

/** A user-facing failure to set the link up (bad address, port in use): the CLI prints it, exit 2. */
export class UdpLinkError extends LinkError {
  override name = 'UdpLinkError';
  /** The message as a catalogue key and parameters (issue 26), when it has one: worded in the user's language. */
  readonly text?: Msg;
  constructor(code: string, message: string | Msg) {
    super(code, typeof message === 'string' ? message : word('en', message));
    if (typeof message !== 'string') this.text = message;
  }
}

/** 'ADDR:PORT', '[v6]:PORT' -> endpoint; port 0..65535. Throws UdpLinkError with a hint. */
export function parseEndpoint(text: string, what = 'address'): UdpEndpoint {
  const m = /^\[([^\]]+)\]:([0-9]+)$/.exec(text) ?? /^([^:]+):([0-9]+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new UdpLinkError('EINVAL', `${what} "${text}" is not ADDR:PORT (e.g. 127.0.0.1:9000, [::1]:9000, localhost:9000; port 0..65535)`);
  }
  return { address: m[1], port };
}

/** Validate impairment settings; one message per problem. */
export function impairmentProblems(cfg: Partial<UdpImpairments>): string[] {
  return directionConfigProblems(cfg).map((p) => `${p.field} ${p.message}`);
}

interface Outgoing {
  packet: Buffer;
  to: UdpEndpoint;
  index: number;
  duplicate: boolean;
  timer: number | undefined;
}

export class UdpLink {
  readonly stats: UdpLinkStats;
  readonly addr: number;
  private readonly socket: dgram.Socket;
  private readonly clock: Clock;
  private readonly cfg: UdpImpairments;
  private readonly rng: Random;
  private readonly observer: UdpLinkObserver;
  private peer: UdpEndpoint | undefined;
  private readonly maxPeers: number;
  /** Server: "virtualAddr|tcpPort" -> UDP address last seen at (Map order = least recently seen first). */
  private readonly peers = new Map<string, UdpEndpoint>();
  private receiver: ((packet: Buffer, decoded: PacketScratch) => void) | undefined;
  private readonly scratch = packetScratch();
  private lastSendAt = 0;
  private held: Outgoing[] = [];
  private readonly scheduled = new Set<Outgoing>();
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  private constructor(socket: dgram.Socket, o: UdpLinkOptions, peer: UdpEndpoint | undefined) {
    this.socket = socket;
    this.addr = (typeof o.addr === 'function' ? o.addr(socket.address().port) : o.addr) >>> 0;
    this.clock = o.clock;
    this.cfg = { ...defaultImpairments, ...o.impair };
    this.rng = new Random(o.seed ?? 1).fork(`udp:${formatAddr(this.addr)}`);
    this.observer = o.observer ?? {};
    this.peer = peer;
    this.maxPeers = o.maxPeers ?? 65536;
    this.stats = { ...newLinkStats(UDP_DROP_REASONS), datagramsSent: 0, duplicated: 0, reordered: 0, corrupted: 0, moved: 0, socketErrors: 0 };
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    // After bind, an error on a UDP socket (an ICMP report, a full buffer) concerns one datagram at
    // most: counting it keeps the process alive, and the TCP retransmits whatever was lost.
    socket.on('error', () => {
      this.stats.socketErrors++;
    });
  }

  /** Bind the socket (resolving names first) and return the link, ready to send. */
  static async open(o: UdpLinkOptions): Promise<UdpLink> {
    const problem = impairmentProblems(o.impair ?? {})[0];
    if (problem) throw new UdpLinkError('EINVAL', `impairment ${problem}`);
    const peer = o.peer ? { address: await resolve(o.peer.address), port: o.peer.port } : undefined;
    if (peer && peer.port === 0) throw new UdpLinkError('EINVAL', `the peer's UDP port cannot be 0`);
    const family = peer && isIP(peer.address) === 6 ? 6 : o.bind?.address !== undefined && isIP(await resolve(o.bind.address)) === 6 ? 6 : 4;
    const bindAddr = o.bind?.address !== undefined ? await resolve(o.bind.address) : family === 6 ? '::' : '0.0.0.0';
    const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((res, rej) => {
      const onError = (err: NodeJS.ErrnoException) => {
        socket.close();
        const hint: Msg | '' = err.code === 'EADDRINUSE' ? { key: 'chat.bindHint.inUse' }
          : err.code === 'EADDRNOTAVAIL' ? { key: 'chat.bindHint.notHere' } : err.code === 'EACCES' ? { key: 'chat.bindHint.access' } : '';
        rej(new UdpLinkError(err.code ?? 'EBIND', { key: 'chat.bindFail', params: { addr: bindAddr, port: o.bind?.port ?? 0, code: err.code ?? err.message, hint } }));
      };
      socket.once('error', onError);
      socket.bind({ address: bindAddr, port: o.bind?.port ?? 0, exclusive: true }, () => {
        socket.off('error', onError);
        res();
      });
    });
    return new UdpLink(socket, o, peer);
  }

  /**
   * Fix the one UDP address to talk to after opening: two links that must each know the other before
   * either sends (a scenario on loopback, a simultaneous open) are opened on port 0 first, then paired.
   */
  setPeer(peer: UdpEndpoint): void {
    this.peer = { ...peer };
  }

  /** Where the socket is bound (the actual port when 0 was asked for). */
  get local(): UdpEndpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** Who gets accepted packets, with the link's decoding of them (Host.receiveDecodedPacket, usually). Until set, accepted packets are counted and dropped. */
  setReceiver(fn: (packet: Buffer, decoded: PacketScratch) => void): void {
    this.receiver = fn;
  }

  /** The UDP address the TCP peer `addr:port` was last seen at (server), or the fixed peer (client). */
  peerOf(addr: number, port: number): UdpEndpoint | undefined {
    return this.peer ?? this.peers.get(`${addr >>> 0}|${port}`);
  }

  /** Send one IPv4 packet (not modified; the caller must not modify it afterwards either). */
  send(packet: Buffer): void {
    const s = this.stats;
    const index = ++s.sent;
    // Six draws, always, in memory.ts's order, before any early return: each packet's fate depends on
    // its index only, not on whether an earlier one had a route.
    const cfg = this.cfg;
    const { lost, duplicate, holdBack, corrupt, jitterMs, bitDraw } = drawFate(this.rng, cfg);

    if (this.closed) return this.drop(packet, 'closed', 'send', 'link closed');
    let to = this.peer;
    if (!to) {
      if (packet.length < 24) return this.drop(packet, 'no-route', 'send', 'too short to route');
      const dst = packet.readUInt32BE(16);
      const ihl = (packet[0] & 0x0f) * 4;
      const dstPort = packet.length >= ihl + 4 ? packet.readUInt16BE(ihl + 2) : -1;
      to = this.peers.get(`${dst}|${dstPort}`);
      if (!to) return this.drop(packet, 'no-route', 'send', `${formatAddr(dst)}:${dstPort} was never heard from`);
    }
    if (lost) return this.drop(packet, 'loss', 'send', 'impairment');

    const now = this.clock.now;
    let sendAt = now + cfg.delayMs + jitterMs;
    if (sendAt < this.lastSendAt) sendAt = this.lastSendAt;

    let out = packet;
    if (corrupt && packet.length > 0) {
      out = withBitFlipped(packet, bitDraw);
      s.corrupted++;
      this.observer.onCorrupt?.(packet, out);
    }
    const rec: Outgoing = { packet: out, to, index, duplicate, timer: undefined };
    if (holdBack) {
      this.held.push(rec);
      this.schedule(rec, sendAt + cfg.reorderDelayMs, () => this.releaseHeld(rec));
      return;
    }
    this.lastSendAt = sendAt;
    if (sendAt <= now) this.depart(rec);
    else this.schedule(rec, sendAt, () => this.depart(rec));
  }

  private schedule(rec: Outgoing, at: number, fn: () => void): void {
    this.scheduled.add(rec);
    rec.timer = this.clock.at(at, () => {
      this.scheduled.delete(rec);
      rec.timer = undefined;
      fn();
    });
  }

  private unschedule(rec: Outgoing): void {
    if (rec.timer !== undefined) this.clock.cancel(rec.timer);
    rec.timer = undefined;
    this.scheduled.delete(rec);
  }

  /** A packet leaves; held-back packets sent before it follow right after (they were overtaken). */
  private depart(rec: Outgoing): void {
    this.emit(rec);
    if (this.held.length === 0) return;
    const overtaken = this.held.filter((h) => h.index < rec.index);
    if (overtaken.length === 0) return;
    this.held = this.held.filter((h) => h.index > rec.index);
    for (const h of overtaken) {
      this.unschedule(h);
      this.stats.reordered++;
      this.emit(h);
    }
    this.checkIdle();
  }

  private releaseHeld(rec: Outgoing): void {
    this.held = this.held.filter((h) => h !== rec);
    this.emit(rec);
  }

  private emit(rec: Outgoing): void {
    this.write(rec.packet, rec.to);
    if (rec.duplicate) {
      this.stats.duplicated++;
      this.write(rec.packet, rec.to);
    }
  }

  private write(packet: Buffer, to: UdpEndpoint): void {
    if (this.closed) return this.drop(packet, 'closed', 'send', 'link closed');
    this.stats.datagramsSent++;
    this.stats.bytesSent += packet.length;
    this.inFlight++;
    this.socket.send(packet, to.port, to.address, (err) => {
      this.inFlight--;
      if (err) this.drop(packet, 'send-error', 'send', (err as NodeJS.ErrnoException).code ?? err.message);
      this.checkIdle();
    });
  }

  private drop(packet: Buffer, reason: UdpDropReason, side: 'send' | 'receive', detail: string): void {
    this.stats.dropped[reason]++;
    this.observer.onDrop?.(packet, reason, side, detail);
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    const s = this.stats;
    s.received++;
    s.bytesReceived += msg.length;
    if (this.peer && (rinfo.port !== this.peer.port || !sameAddress(rinfo.address, this.peer.address))) {
      return this.drop(msg, 'stranger', 'receive', `from ${rinfo.address}:${rinfo.port}`);
    }
    // Decoded once, here, into the link's own scratch; the host is handed the result (receiveDecodedPacket).
    const d = this.scratch;
    try {
      decodePacketInto(msg, VERIFY, d);
    } catch (err) {
      // Decoders throw only WireError; anything else is counted the same way, because a datagram
      // from the network must never be able to stop the process.
      const checksum = err instanceof WireError && err.code === 'bad-checksum';
      return this.drop(msg, checksum ? 'checksum' : 'malformed', 'receive', err instanceof Error ? err.message : String(err));
    }
    const totalLength = msg.readUInt16BE(2);
    const tcp = d.tcp;
    // One packet per datagram, exactly: trailing bytes mean someone else's framing.
    if (totalLength !== msg.length) return this.drop(msg, 'malformed', 'receive', `datagram of ${msg.length} bytes holds an IPv4 packet of ${totalLength}`);
    if (d.dst !== this.addr) return this.drop(msg, 'not-mine', 'receive', `for ${formatAddr(d.dst)}, this host is ${formatAddr(this.addr)}`);
    if (!plausibleSource(d.src, this.addr) || tcp.srcPort === 0) return this.drop(msg, 'bad-source', 'receive', `from ${formatAddr(d.src)}:${tcp.srcPort}`);
    if (!this.peer) this.learn(d.src, tcp.srcPort, rinfo);
    s.delivered++;
    this.observer.onDeliver?.(msg, { address: rinfo.address, port: rinfo.port });
    // Past this point an exception is a bug in the receiver (the TCP), and stays one.
    this.receiver?.(msg, d);
  }

  private learn(addr: number, port: number, rinfo: dgram.RemoteInfo): void {
    const key = `${addr}|${port}`;
    const known = this.peers.get(key);
    if (known && known.port === rinfo.port && known.address === rinfo.address) {
      // Refresh its place: the least recently seen peer is forgotten first.
      this.peers.delete(key);
      this.peers.set(key, known);
      return;
    }
    if (known) {
      this.stats.moved++;
      this.peers.delete(key);
    } else if (this.peers.size >= this.maxPeers) {
      const oldest = this.peers.keys().next().value;
      if (oldest !== undefined) this.peers.delete(oldest);
    }
    this.peers.set(key, { address: rinfo.address, port: rinfo.port });
  }

  private checkIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Nothing delayed, held back or still being handed to the operating system. */
  get idle(): boolean {
    return this.inFlight === 0 && this.scheduled.size === 0 && this.held.length === 0;
  }

  /** Wait until idle (so a last RST or ACK actually leaves), at most `timeoutMs`. */
  drain(timeoutMs = 1000): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((res) => {
      const t = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        res();
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        res();
      };
      this.idleWaiters.push(done);
    });
  }

  /** Close the socket after draining for at most `drainMs`; packets still delayed are dropped ('closed'). */
  async close(drainMs = 1000): Promise<void> {
    if (this.closed) return;
    if (drainMs > 0) await this.drain(drainMs);
    this.closed = true;
    for (const rec of [...this.scheduled]) {
      this.unschedule(rec);
      this.drop(rec.packet, 'closed', 'send', 'still delayed at close');
    }
    this.held = [];
    await new Promise<void>((res) => this.socket.close(() => res()));
  }
}

async function resolve(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw new UdpLinkError('ENOTFOUND', { key: 'chat.noResolve', params: { host } });
  }
}

/** '127.0.0.1' and '::ffff:127.0.0.1' are the same sender (a dual-stack socket reports the latter). */
function sameAddress(a: string, b: string): boolean {
  const norm = (x: string) => (x.startsWith('::ffff:') && isIP(x.slice(7)) === 4 ? x.slice(7) : x);
  return norm(a) === norm(b);
}

/** A unicast address a real peer could have: not ours, not 0/8, not loopback, multicast or broadcast. */
function plausibleSource(src: number, self: number): boolean {
  const first = src >>> 24;
  return src !== self && first !== 0 && first !== 127 && first < 224;
}
