import { FastOpenCache, FastOpenClient, FastOpenServer, fastOpenBits, TFO_CLIENT_ENABLE } from '../tcp/tfo.ts';
import { Connection, resetFor, synOptionsOf, type TxInfo, type CongestionSnapshot } from '../tcp/connection.ts';
import { configProblems, type TcpConfig } from '../tcp/config.ts';
import { ACK, RST, SYN, timestampsOption, type TcpOption, type TcpSegment } from '../wire/tcp-types.ts';
import { seqAdd } from '../wire/seq.ts';
import { fits16, fits32 } from '../wire/bytes.ts';
import { COOKIE_MSS, SynCookies, cookieMssIndex, cookieTsOptions, cookieTsval, type CookieTuple } from './syn-cookies.ts';
import { decodePacketInto, decodeSplitPacketInto, encodePacket, encodePacketHeader, packetScratch, type PacketEncodeOptions, type PacketScratch, type TcpDecodeOptions } from '../wire/tcp.ts';
import { WireError } from '../wire/errors.ts';
import { formatAddr } from '../wire/ipv4.ts';
import type { TcpStateName, TimerName } from '../trace/events.ts';
import type { Clock } from '../sim/clock.ts';
import { ConnTable } from './conn-table.ts';
import { Entry, TracedEntry } from './entry.ts';
import { EMPTY_PAYLOAD, SimServer, SimSocket, SocketError, checkOnread, type OnRead } from './socket.ts';

// The socket API lives in socket.ts, the connection table in conn-table.ts, a connection's entry in entry.ts.
export { SimServer, SimSocket, SocketError, type OnRead };

/**
 * A host: one IPv4 address, many connections. It demultiplexes arriving packets by 4-tuple, keeps
 * listening ports with their backlog, picks ephemeral ports and initial sequence numbers from the
 * seeded source, answers segments nobody owns with RST (RFC 9293 3.10.7.1), and wakes each
 * connection when its next timer is due. The TCP itself is all in lib/tcp/connection.ts.
 */

/** The clock a host runs on (its home is lib/sim/clock.ts; re-exported here for old imports). */
export type { Clock };

export interface RandomSource {
  uint32(): number;
  int(n: number): number;
}

/** What the host tells the trace. Every method is optional work: no tracer, no cost. */
export interface HostTracer {
  /** `seg` is valid during the call only (received ones are decoded into a scratch, sent ones may be shared): copy what is kept. */
  segment(event: 'tx' | 'rx' | 'drop', host: Host, conn: string | undefined, src: number, dst: number, seg: TcpSegment, info?: TxInfo, reason?: string): void;
  state(host: Host, conn: string, from: TcpStateName, to: TcpStateName, cause: string): void;
  app(host: Host, conn: string, event: string, bytes?: number, error?: string): void;
  timer?(host: Host, conn: string, name: TimerName, event: 'set' | 'fire' | 'cancel', at?: number): void;
  congestion?(host: Host, conn: string, snap: CongestionSnapshot): void;
  /** A packet that could not be decoded at all. */
  undecodable?(host: Host, packet: Buffer, reason: string): void;
}

export interface HostOptions {
  name: string;
  addr: number;
  config: TcpConfig;
  clock: Clock;
  random: RandomSource;
  /**
   * Hand an IPv4 packet to the link. The link must deliver it later (on the clock, or from the event
   * loop), never from inside this call: the connections and sockets are not re-entrant, and the
   * application would see events before it could listen for them (every link here schedules, even at
   * delay 0).
   */
  transmit: (packet: Buffer) => void;
  /**
   * Zero copy (MemoryLink.splitSender): hand a data segment's packet to the link as its headers and its
   * payload, a view of the sending application's memory, instead of copying the payload in. Under the
   * same rule as `transmit`; the link must deliver both to the peer's receiveSplit, or join them.
   */
  transmitSplit?: (header: Buffer, payload: Buffer) => void;
  tracer?: HostTracer;
  /** Verify checksums of arriving packets (off only where nothing can corrupt them). */
  verifyChecksums?: boolean;
  /**
   * Fill in the checksums of packets sent (default true). Off is checksum offload: only where no one
   * can see a packet's bytes (no capture, no trace) and nothing verifies them (verifyChecksums off).
   */
  computeChecksums?: boolean;
  /**
   * Keep closed sockets in `sockets` (default false: a long-running host forgets each connection when
   * it closes). The scenario runner keeps them, to read what every socket received.
   */
  keepClosedSockets?: boolean;
  /** Most connections this host keeps at once (resource limit; default 1,000,000): past it, EMFILE. */
  maxConnections?: number;
  /**
   * Answer SYNs that find a listener's queue of half-open connections full with SYN cookies (RFC 4987 3.6)
   * instead of dropping them (default true: Linux's net.ipv4.tcp_syncookies=1, cookies only on overflow).
   */
  synCookies?: boolean;
  /**
   * Check every field of every segment sent against its width as it is encoded (the wire encoder's
   * WireError 'bad-value'), as a guard against a bug in the model; default false. The values are in range
   * by construction: the host checks addresses, ports and configurations where they come in (connect,
   * listen, here), sequence arithmetic is modulo 2^32 and windows are capped, so the checks are left to
   * where speed does not matter. The scenario runner, the soak test and the fuzzer turn them on.
   */
  checkFields?: boolean;
  /**
   * Lazy timers, as Linux keeps them (it does not stop a timer that is cleared or pushed later): when a
   * connection's next deadline moves later, or it has none, the event already on the clock is left
   * there; when it fires it finds nothing due and the timer is set for the deadline then. A delayed ACK
   * set and cleared every other segment, or a retransmission timer restarted by every ACK, then costs
   * the clock nothing. The connection does exactly the same (its timers are its own), but the clock
   * counts such an event as pending until it fires, a run that empties the queue may end at its
   * time, and an event due at the same instant as the timer may run before it rather than after.
   * Default false; the benchmark turns it on.
   */
  lazyTimers?: boolean;
}

/**
 * Counts of segments sent (RFC 4022's tcpOutSegs, and those of them carrying data) and of what the host
 * did about SYN floods (Linux's SyncookiesSent, SyncookiesRecv, SyncookiesFailed).
 */
export interface HostStats {
  segmentsSent: number;
  dataSegmentsSent: number;
  synCookiesSent: number;
  /** ACKs with a valid cookie: connections made from no state. */
  synCookiesReceived: number;
  /** ACKs to a listener that overflowed lately whose cookie did not check (answered with RST). */
  synCookiesFailed: number;
}

/** After a listener's queue last overflowed, ACKs are checked for cookies this long (Linux's TCP_SYNCOOKIE_VALID). */
const COOKIE_VALID_MS = 120_000;


const EPHEMERAL_LOW = 49152;
const EPHEMERAL_HIGH = 65535;


export class Host {
  readonly name: string;
  readonly addr: number;
  readonly addrText: string;
  readonly config: TcpConfig;
  readonly clock: Clock;
  private readonly random: RandomSource;
  /** RFC 7413 4.1.3: the Fast Open cookies this host was given, per server (Linux's tcp_metrics). */
  readonly fastOpenCache = new FastOpenCache();
  private tfoKey: Buffer | undefined;
  private readonly transmitPacket: (packet: Buffer) => void;
  private readonly transmitSplit: ((header: Buffer, payload: Buffer) => void) | undefined;
  private readonly lazyTimers: boolean;
  readonly tracer: HostTracer | undefined;
  private readonly verifyChecksums: boolean;
  private readonly maxConnections: number;
  private readonly entries = new ConnTable();
  private readonly listeners = new Map<number, SimServer>();
  private nextConnId = 1;
  /** Closed sockets too, in creation order; only with keepClosedSockets (else the entries are the list). */
  private readonly socketSet: Set<SimSocket> | undefined;
  private readonly encodeOptions: PacketEncodeOptions;
  /** Where received packets are decoded (see receivePacket), and how many are being handled now. */
  private readonly scratch = packetScratch();
  private receiving = 0;
  /** Packets dropped at this host's edge, by reason. */
  readonly drops: Record<string, number> = {};
  readonly stats: HostStats = { segmentsSent: 0, dataSegmentsSent: 0, synCookiesSent: 0, synCookiesReceived: 0, synCookiesFailed: 0 };
  private readonly cookies: SynCookies | undefined;
  /** A connection rebuilt from a cookie while its SYN is replayed: its SYN-ACK left already, from no state. */
  private muted: Entry | undefined = undefined;

  constructor(o: HostOptions) {
    this.name = o.name;
    this.addr = o.addr >>> 0;
    this.addrText = formatAddr(this.addr);
    this.config = o.config;
    this.clock = o.clock;
    this.random = o.random;
    this.transmitPacket = o.transmit;
    this.transmitSplit = o.transmitSplit;
    this.lazyTimers = o.lazyTimers ?? false;
    this.tracer = o.tracer;
    this.verifyChecksums = o.verifyChecksums ?? true;
    this.maxConnections = o.maxConnections ?? 1_000_000;
    this.socketSet = o.keepClosedSockets ? new Set() : undefined;
    checkConfig(o.config);
    this.encodeOptions = { checksum: o.computeChecksums !== false, trusted: o.checkFields !== true };
    this.cookies = o.synCookies === false ? undefined : new SynCookies(this.random);
  }

  /** The sockets this host made, in order (the scenario runner names them c1, c2, ...): open ones, and closed ones with keepClosedSockets. */
  get sockets(): SimSocket[] {
    if (this.socketSet) return [...this.socketSet];
    return this.entries.inOrder().map((e) => e.socket);
  }

  get connectionCount(): number {
    return this.entries.size;
  }

  /** Passive open on `port` (Node's server.listen). */
  listen(port: number, backlog = 511, config?: TcpConfig): SimServer {
    checkPort(`${this.name}: listen on`, port, 0);
    if (config) checkConfig(config);
    if (this.listeners.has(port)) throw new SocketError('EADDRINUSE', `${this.name}: port ${port} is already listening`);
    const server = new SimServer(this, port, backlog, config ?? this.config);
    this.listeners.set(port, server);
    return server;
  }

  /** @internal */
  unlisten(port: number): void {
    this.listeners.delete(port);
  }

  /** Active open to `remoteAddr:remotePort` (Node's net.connect). */
  connect(remoteAddr: number, remotePort: number, opts: { fromPort?: number; config?: TcpConfig; onread?: OnRead; fastOpen?: Buffer; fastOpenNoCookie?: boolean } = {}): SimSocket {
    if (!fits32(remoteAddr)) throw new SocketError('ERR_INVALID_IP_ADDRESS', `${this.name}: connect to address ${remoteAddr}: an IPv4 address is a whole number from 0 to 4294967295`);
    checkPort(`${this.name}: connect to`, remotePort, 1);
    if (opts.fromPort !== undefined) checkPort(`${this.name}: connect from`, opts.fromPort, 1);
    if (opts.config) checkConfig(opts.config);
    if (opts.onread !== undefined) checkOnread(opts.onread);
    const fastOpenOff = opts.fastOpen !== undefined && !(fastOpenBits((opts.config ?? this.config).fastOpen) & TFO_CLIENT_ENABLE);
    if (fastOpenOff) throw new SocketError('EOPNOTSUPP', `${this.name}: connect with Fast Open data, but fastOpen is ${(opts.config ?? this.config).fastOpen ?? 'off'} (it must be client or both)`);
    const localPort = opts.fromPort ?? this.pickEphemeralPort(remoteAddr, remotePort);
    if (this.entries.get(localPort, remoteAddr, remotePort)) throw new SocketError('EADDRINUSE', `${this.name}: ${this.addrText}:${localPort} is already connected to ${formatAddr(remoteAddr)}:${remotePort}`);
    const entry = this.createEntry(localPort, remoteAddr, remotePort, opts.config ?? this.config, undefined);
    if (opts.onread !== undefined) entry.socket.onread = opts.onread;
    this.tracer?.app(this, entry.id, 'open');
    if (opts.fastOpen) {
      // RFC 7413: data for the SYN, with this host's cookie for the server if it has one (lib/tcp/tfo.ts).
      // `fastOpenNoCookie` (Linux's TCP_FASTOPEN_NO_COOKIE, tcp_fastopen bit 0x4): the data goes without a cookie.
      entry.conn.fastOpen = new FastOpenClient(this.fastOpenCache, remoteAddr, opts.fastOpenNoCookie === true);
      const taken = entry.conn.connect(this.clock.now, opts.fastOpen);
      if (taken < opts.fastOpen.length) entry.socket.write(opts.fastOpen.subarray(taken));
    } else {
      entry.conn.connect(this.clock.now);
    }
    this.reschedule(entry);
    return entry.socket;
  }

  /** The cookie key of this host's Fast Open listeners (net.ipv4.tcp_fastopen_key): 16 bytes, drawn from the seed when first needed. */
  fastOpenKey(): Buffer {
    if (!this.tfoKey) {
      const key = Buffer.alloc(16);
      for (let i = 0; i < 16; i += 4) key.writeUInt32LE(this.random.uint32(), i);
      this.tfoKey = key;
    }
    return this.tfoKey;
  }

  setFastOpenKey(key: Buffer): void {
    if (key.length !== 16) throw new SocketError('EINVAL', `${this.name}: a Fast Open key is 16 bytes, not ${key.length}`);
    this.tfoKey = Buffer.from(key);
  }

  private pickEphemeralPort(remoteAddr: number, remotePort: number): number {
    // Linux picks a random starting point in the range and walks up (RFC 6056 3.3.1's simple hash-less form).
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    const start = this.random.int(span);
    for (let i = 0; i < span; i++) {
      const port = EPHEMERAL_LOW + ((start + i) % span);
      if (!this.entries.get(port, remoteAddr, remotePort) && !this.listeners.has(port)) return port;
    }
    throw new SocketError('EADDRNOTAVAIL', `${this.name}: no ephemeral port left towards ${formatAddr(remoteAddr)}:${remotePort}`);
  }

  private createEntry(localPort: number, remoteAddr: number, remotePort: number, config: TcpConfig, listener: SimServer | undefined, fromCookie?: { iss: number; tsOffset: number }): Entry {
    if (this.entries.size >= this.maxConnections) throw new SocketError('EMFILE', `${this.name}: connection limit ${this.maxConnections} reached`);
    const seq = this.nextConnId++;
    const iss = fromCookie ? fromCookie.iss : config.isn === 'random' ? this.random.uint32() : config.isn >>> 0;
    const tracer = this.tracer;
    const entry = tracer?.timer || tracer?.congestion ? new TracedEntry(this, seq, remoteAddr, listener) : new Entry(this, seq, remoteAddr, listener);
    entry.conn = new Connection({
      config,
      localPort,
      remotePort,
      iss,
      tsOffset: fromCookie ? fromCookie.tsOffset : config.timestamps ? this.random.uint32() : 0,
      sink: entry,
      segmentsUsedAtOnce: true,
    });
    entry.socket = new SimSocket(entry);
    if (listener?.ipTos) entry.socket.ipTos = listener.ipTos;
    this.entries.set(localPort, remoteAddr, remotePort, entry);
    this.socketSet?.add(entry.socket);
    return entry;
  }

  /** @internal the connection behind `entry` transmits `seg`. */
  sendFor(entry: Entry, seg: TcpSegment, info: TxInfo): void {
    if (entry === this.muted) return;
    const split = this.transmitSplit !== undefined && seg.payload.length > 0;
    // Zero copy: the payload is a view of the send buffer, the application's own memory, and goes as it is.
    const tos = entry.socket?.ipTos;
    const opts = tos ? { ...this.encodeOptions, tos } : this.encodeOptions;
    const packet = split ? encodePacketHeader(this.addr, entry.remoteAddr, seg, opts) : encodePacket(this.addr, entry.remoteAddr, seg, opts);
    const payload = seg.payload;
    this.countSent(seg);
    // The last look at seg: it may be the connections' shared segment (segmentsUsedAtOnce), and a tracer may do anything.
    this.tracer?.segment('tx', this, entry.id, this.addr, entry.remoteAddr, seg, info);
    if (split) this.transmitSplit!(packet, payload);
    else this.transmitPacket(packet);
  }

  /** A segment with no connection behind it (a RST for a closed port, a SYN cookie's SYN-ACK). */
  private sendOrphan(dst: number, seg: TcpSegment, why = 'reset'): void {
    const packet = encodePacket(this.addr, dst, seg, this.encodeOptions);
    this.tracer?.segment('tx', this, undefined, this.addr, dst, seg, { retransmit: false, why });
    this.countSent(seg);
    this.transmitPacket(packet);
  }

  private countSent(seg: TcpSegment): void {
    this.stats.segmentsSent++;
    if (seg.payload.length > 0) this.stats.dataSegmentsSent++;
  }

  /**
   * An IPv4 packet arrives from the link. Returns true when nothing of it was kept, no view either, so
   * its memory may be used again (see MemoryLink's recycling): no tracer was shown it, and it carried no
   * payload, or its payload went to a socket reading with `onread`, copied out before this returned.
   */
  receivePacket(packet: Buffer): boolean {
    // The packet is decoded into the host's scratch, which it is done with before the next packet. A
    // packet handed in while one is being handled (a link that delivers at once, from inside an event
    // handler) gets a scratch of its own, so the outer one is left as it is.
    const scratch = this.receiving === 0 ? this.scratch : packetScratch();
    try {
      decodePacketInto(packet, this.verifyChecksums ? VERIFY : SKIP_VERIFY, scratch);
    } catch (err) {
      return this.undecodable(packet, err);
    }
    return this.receiveDecodedPacket(packet, scratch);
  }

  /**
   * receivePacket for a packet its link has decoded already (UdpLink checks every datagram, checksums
   * included, before it hands it on): `scratch` is `packet` decoded, valid during the call only.
   */
  receiveDecodedPacket(packet: Buffer, scratch: PacketScratch): boolean {
    const carried = scratch.tcp.payload.length > 0;
    const to = this.receiveDecoded(scratch, this.entries.get(scratch.tcp.dstPort, scratch.src, scratch.tcp.srcPort));
    if (this.tracer !== undefined) return false;
    if (!carried) return true;
    if (to === undefined || to.socket.onread === undefined || to.conn.readable > 0) return false;
    // The scratch's view of the payload goes too: the packet's memory may hold another packet next.
    scratch.tcp.payload = EMPTY_PAYLOAD;
    return true;
  }

  /**
   * receivePacket for a packet in two pieces (MemoryLink's zero copy): its headers, and its payload, a
   * view of the sender's memory. Returns true when nothing of `header` was kept.
   */
  receiveSplit(header: Buffer, payload: Buffer): boolean {
    const scratch = this.receiving === 0 ? this.scratch : packetScratch();
    try {
      decodeSplitPacketInto(header, payload, this.verifyChecksums ? VERIFY : SKIP_VERIFY, scratch);
    } catch (err) {
      return this.undecodable(Buffer.concat([header, payload]), err);
    }
    const tcp = scratch.tcp;
    // The sender's memory may be read, never written: only a socket reading with `onread`, which copies
    // out of the receive buffer, is given it as it is. Anything else (a 'data' listener may write to what
    // it gets) gets a copy of its own, as it would have had a view of its own packet.
    const entry = this.entries.get(tcp.dstPort, scratch.src, tcp.srcPort);
    if (entry === undefined || entry.socket.onread === undefined) tcp.payload = Buffer.from(payload);
    this.receiveDecoded(scratch, entry);
    tcp.payload = EMPTY_PAYLOAD;
    return this.tracer === undefined;
  }

  /** A decoded packet to receiveSegment, counted as being handled (see receivePacket's scratch); `entry`: its connection's, looked up. */
  private receiveDecoded(scratch: PacketScratch, entry: Entry | undefined): Entry | undefined {
    this.receiving++;
    try {
      return this.receiveSegment(scratch.src, scratch.dst, scratch.tcp, entry);
    } finally {
      this.receiving--;
    }
  }

  /** A packet that does not decode: counted and shown to the tracer; returns receivePacket's answer. */
  private undecodable(packet: Buffer, err: unknown): boolean {
    if (!(err instanceof WireError)) throw err;
    const reason = err.code === 'bad-checksum' ? 'corrupt' : `malformed: ${err.code}`;
    this.countDrop(reason);
    this.tracer?.undecodable?.(this, packet, `${reason} (${err.message})`);
    return this.tracer === undefined;
  }

  /**
   * A decoded segment from `src` to `dst`: to its connection, its listener, or answered as CLOSED. Keeps
   * no reference to `tcp`. Returns the connection that took it, if it was one already there. `entry`: the
   * connection of the segment's 4-tuple (entries.get), which the caller has looked up already.
   */
  private receiveSegment(src: number, dst: number, tcp: TcpSegment, entry: Entry | undefined): Entry | undefined {
    if (dst !== this.addr) {
      this.countDrop('not-mine');
      this.tracer?.segment('drop', this, undefined, src, dst, tcp, undefined, 'not-mine');
      return;
    }
    const now = this.clock.now;
    if (entry) {
      this.tracer?.segment('rx', this, entry.id, src, dst, tcp);
      entry.conn.onSegment(tcp, now);
      this.after(entry);
      return entry;
    }
    const listener = this.listeners.get(tcp.dstPort);
    const control = tcp.flags & (SYN | ACK | RST);
    if (listener && control === ACK && now - listener.overflowAtMs <= COOKIE_VALID_MS && this.acceptCookie(listener, src, tcp, now)) return;
    if (listener && control === SYN) {
      if (listener.pendingCount >= listener.backlog) {
        listener.overflowAtMs = now;
        if (this.cookies) {
          this.tracer?.segment('rx', this, undefined, src, dst, tcp);
          this.sendCookie(listener, src, tcp, now);
          return;
        }
        // Without cookies Linux drops a SYN when the queue is full; the client's SYN retransmission tries again.
        this.countDrop('backlog');
        this.tracer?.segment('drop', this, undefined, src, dst, tcp, undefined, 'backlog full');
        return;
      }
      const child = this.acceptChild(listener, src, tcp, now);
      if (!child) return;
      if (listener.fastOpen) {
        const waiting = (listener.fastOpenWaiting = listener.fastOpenWaiting.filter((c) => c.state === 'SYN-RECEIVED'));
        const server = new FastOpenServer(listener.fastOpenKey ?? this.fastOpenKey(), src, this.addr, listener.fastOpenNoCookie, { backupKey: listener.fastOpenBackupKey, queueFull: waiting.length >= listener.fastOpenMaxQueue });
        child.conn.fastOpen = server;
        child.conn.onSegment(tcp, now);
        if (server.acceptedEarly) waiting.push(child.conn);
        this.after(child);
        return;
      }
      child.conn.onSegment(tcp, now);
      this.after(child);
      return;
    }
    this.tracer?.segment('rx', this, undefined, src, dst, tcp);
    // RFC 9293 3.10.7.1: CLOSED. A listening port treats a non-SYN the same way (3.10.7.2).
    if (!(tcp.flags & RST)) this.sendOrphan(src, resetFor(tcp));
  }

  private cookieTuple(remoteAddr: number, remotePort: number, localPort: number): CookieTuple {
    return { remoteAddr, remotePort, localAddr: this.addr, localPort };
  }

  /**
   * The queue is full: answer the SYN with a SYN-ACK whose ISN is a cookie and keep nothing (RFC 4987 3.6).
   * The SYN-ACK is made by a connection that lives for this call only, from the SYN as the cookie will
   * rebuild it, so it is exactly the one the connection made from the cookie later would have sent.
   */
  private sendCookie(listener: SimServer, src: number, syn: TcpSegment, now: number): void {
    const cookies = this.cookies!;
    const t = this.cookieTuple(src, syn.srcPort, syn.dstPort);
    const offer = synOptionsOf(syn);
    const mssIndex = cookieMssIndex(offer.mss);
    const cfg = listener.config;
    const ts = cfg.timestamps && offer.timestamps
      ? { wscale: cfg.windowScale ? offer.wscale : undefined, sack: cfg.sack && offer.sackPermitted, tsval: offer.timestamps.tsval }
      : undefined;
    const iss = cookies.make(t, syn.seq, mssIndex, now);
    // A connection with no sink, asked for its outputs afterwards (poll): the first segment it sends is the SYN-ACK.
    const once = new Connection({
      config: listener.config, localPort: syn.dstPort, remotePort: syn.srcPort, iss, tsOffset: ts ? cookies.tsOffset(t) : 0,
    });
    once.listen(now);
    once.onSegment(rebuiltSyn(syn.srcPort, syn.dstPort, syn.seq, mssIndex, ts), now);
    let synAck: TcpSegment | undefined;
    for (let out = once.poll(); out && !synAck; out = once.poll()) if (out.kind === 'transmit') synAck = out.segment;
    if (!synAck) return;
    if (ts) {
      // The options that did not fit in the ISN ride in the low bits of TSval (Linux's cookie_init_timestamp).
      synAck = { ...synAck, options: synAck.options.map((o) => (o.kind === 'timestamps' ? { ...o, tsval: cookieTsval(o.tsval, ts.wscale, ts.sack) } : o)) };
    }
    this.stats.synCookiesSent++;
    this.sendOrphan(src, synAck, 'syncookie');
  }

  /**
   * An ACK to a listener whose queue overflowed lately: if it returns a cookie this host made, the
   * connection is made now, from the SYN the cookie rebuilds, and takes the ACK (and any data in it).
   * Returns false when it is no cookie of ours: the caller answers it as any stray ACK, with RST.
   */
  private acceptCookie(listener: SimServer, src: number, ack: TcpSegment, now: number): boolean {
    if (!this.cookies) return false;
    const t = this.cookieTuple(src, ack.srcPort, ack.dstPort);
    const synSeq = seqAdd(ack.seq, -1);
    const iss = seqAdd(ack.ack, -1);
    const mssIndex = this.cookies.check(t, synSeq, iss, now);
    const cfg = listener.config;
    const tsOption = cfg.timestamps ? timestampsOption(ack.options) : undefined;
    const ts = tsOption ? { ...cookieTsOptions(tsOption.tsecr), tsval: tsOption.tsval } : undefined;
    // Options this listener would not have offered cannot be in a TSval it made (Linux's cookie_timestamp_decode).
    const foreign = ts !== undefined && ((ts.sack && !cfg.sack) || (ts.wscale !== undefined && !cfg.windowScale));
    if (mssIndex === undefined || foreign) {
      this.stats.synCookiesFailed++;
      return false;
    }
    // Counted as half-open for the instant it is: accepted() takes it off when the ACK establishes it.
    const child = this.acceptChild(listener, src, ack, now, { iss, tsOffset: ts ? this.cookies.tsOffset(t) : 0 });
    if (!child) return true;
    this.stats.synCookiesReceived++;
    this.muted = child;
    try {
      child.conn.onSegment(rebuiltSyn(ack.srcPort, ack.dstPort, synSeq, mssIndex, ts), now);
    } finally {
      this.muted = undefined;
    }
    child.conn.forgetSynTiming();
    child.conn.onSegment(ack, now);
    this.after(child);
    return true;
  }

  /**
   * A passive connection for `seg` (a SYN, or the ACK of a cookie), born in LISTEN and counted as
   * half-open on `listener`; undefined when the host is at its connection limit (the segment is dropped
   * and counted, and its sender will retry).
   */
  private acceptChild(listener: SimServer, src: number, seg: TcpSegment, now: number, fromCookie?: { iss: number; tsOffset: number }): Entry | undefined {
    let child: Entry;
    try {
      child = this.createEntry(seg.dstPort, src, seg.srcPort, listener.config, listener, fromCookie);
    } catch (err) {
      if (!(err instanceof SocketError)) throw err;
      this.countDrop('limit');
      this.tracer?.segment('drop', this, undefined, src, this.addr, seg, undefined, err.message);
      return undefined;
    }
    listener.pendingCount++;
    this.tracer?.segment('rx', this, child.id, src, this.addr, seg);
    child.conn.listen(now);
    return child;
  }

  private countDrop(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** After any call into a connection: forget it if it closed, else make sure its next timer is scheduled. */
  after(entry: Entry): void {
    if (entry.conn.state === 'CLOSED') {
      if (entry.timerId !== undefined) this.clock.cancel(entry.timerId);
      entry.timerId = undefined;
      this.entries.remove(entry);
      return;
    }
    this.reschedule(entry);
  }

  private reschedule(entry: Entry): void {
    const d = entry.conn.nextDeadline();
    if (d === entry.deadline && (d === undefined || entry.timerId !== undefined)) return;
    // Lazy timers (HostOptions.lazyTimers): the event queued comes first, or nothing is due; leave it.
    if (this.lazyTimers && entry.timerId !== undefined && (d === undefined || d > entry.deadline!)) return;
    if (entry.timerId !== undefined) this.clock.cancel(entry.timerId);
    entry.deadline = d;
    entry.timerId = d === undefined ? undefined : this.clock.at(d, fireTimer, entry);
  }

  /** @internal for SimServer bookkeeping */
  accepted(entry: Entry): void {
    if (entry.listener) entry.listener.pendingCount = Math.max(0, entry.listener.pendingCount - 1);
  }
}

// decodePacket's options, made once rather than per packet.
const VERIFY: TcpDecodeOptions = Object.freeze({ verifyChecksum: true });
const SKIP_VERIFY: TcpDecodeOptions = Object.freeze({ verifyChecksum: 'skip' });

/** Node's rule and error for a port (ERR_SOCKET_BAD_PORT): a whole number from `min` (0 to listen, 1 to connect) to 65535. */
function checkPort(what: string, port: number, min: 0 | 1): void {
  if (!(fits16(port) && port >= min)) throw new SocketError('ERR_SOCKET_BAD_PORT', `${what} port ${port}: a port is a whole number from ${min} to 65535`);
}

/** A configuration given for one listener or connection keeps the rules of resolveConfig (the first broken one is thrown). */
function checkConfig(config: TcpConfig): void {
  const problem = configProblems(config)[0];
  if (problem) throw problem;
}

/** A connection's next deadline came (the clock calls this with the entry). */
function fireTimer(entry: Entry): void {
  entry.timerId = undefined;
  entry.deadline = undefined;
  const host = entry.host;
  entry.conn.onTimer(host.clock.now);
  host.after(entry);
}



/**
 * The SYN a cookie stands for: its sequence number, the MSS from the cookie's table, and with timestamps
 * the window scale, SACK-permitted and TSval that rode in them. What the peer offered beyond that is lost,
 * as with Linux's cookies.
 */
function rebuiltSyn(srcPort: number, dstPort: number, seq: number, mssIndex: number, ts: { wscale: number | undefined; sack: boolean; tsval: number } | undefined): TcpSegment {
  const options: TcpOption[] = [{ kind: 'mss', mss: COOKIE_MSS[mssIndex] }];
  if (ts) {
    if (ts.sack) options.push({ kind: 'sack-permitted' });
    options.push({ kind: 'timestamps', tsval: ts.tsval, tsecr: 0 });
    if (ts.wscale !== undefined) options.push({ kind: 'wscale', shift: ts.wscale });
  }
  return { srcPort, dstPort, seq, ack: 0, flags: SYN, window: 0xffff, urgent: 0, options, payload: Buffer.alloc(0) };
}

