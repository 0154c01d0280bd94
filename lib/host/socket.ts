import { fastOpenBits, TFO_SERVER_ENABLE } from '../tcp/tfo.ts';
import { EventEmitter } from 'node:events';
import { LiteEmitter } from './emitter.ts';
import { ConnectionError, type Connection, type ConnEvent } from '../tcp/connection.ts';
import type { TcpConfig } from '../tcp/config.ts';
import type { ByteSource, SendData } from '../tcp/send-buffer.ts';
import { formatAddr } from '../wire/ipv4.ts';
import type { TcpStateName } from '../trace/events.ts';
import type { Host } from './host.ts';
import type { Entry } from './entry.ts';

/** An error with a Node-style code, as `net` gives its users. */
export class SocketError extends Error {
  override name = 'SocketError';
  constructor(public code: string, message?: string) {
    super(message ?? code);
  }
}

/** Writes waiting for send-buffer space (SimSocket.pending): the application's Buffers, or bytes made as they are sent (writeGenerated). */
const NO_PENDING: readonly SendData[] = Object.freeze([]);
// SimSocket.flags bits.
const ENDED = 1;
const CLOSED = 2;
const AUTOREAD = 4;
const END_REQUESTED = 8;
const CLOSE_AFTER_FLUSH = 16;
/** The connection told of the peer's FIN ('fin' event): 'end' may come once everything before it is read. */
const FIN_HEARD = 32;

/** A listening port (Node's net.Server): emits 'connection' with each accepted SimSocket. */
export class SimServer extends EventEmitter {
  pendingCount = 0;
  /** When a SYN last found the queue full (ms); ACKs are checked for cookies for two minutes after. */
  overflowAtMs = -Infinity;
  closed = false;
  /** IP_TOS for the connections it accepts, from their SYN-ACK on (SimSocket.ipTos). */
  ipTos = 0;
  /**
   * TCP Fast Open on this listener (RFC 7413 4.2.2): cookies for cookie requests, data taken on a SYN with a
   * valid one. On when its config's fastOpen is 'server' or 'both' (Linux wants setsockopt TCP_FASTOPEN too,
   * which `tcpemu packetdrill` asks for); `fastOpenNoCookie`: data taken without a cookie (TFO_SERVER_COOKIE_NOT_REQD).
   */
  fastOpen: boolean;
  fastOpenNoCookie = false;
  /** TCP_FASTOPEN_KEY: this listener's own cookie key (16 bytes) and a backup one; else the host's (Host.fastOpenKey). */
  fastOpenKey: Buffer | undefined;
  fastOpenBackupKey: Buffer | undefined;
  /**
   * TCP_FASTOPEN's queue length: at most this many connections made by Fast Open may wait for their handshake's
   * last ACK; a SYN beyond that gets no Fast Open (lib/tcp/tfo.ts FastOpenServer). Those waiting, oldest first.
   */
  fastOpenMaxQueue = Infinity;
  fastOpenWaiting: Array<{ readonly state: string }> = [];
  constructor(readonly host: Host, readonly port: number, readonly backlog: number, readonly config: TcpConfig) {
    super();
    this.fastOpen = (fastOpenBits(config.fastOpen) & TFO_SERVER_ENABLE) !== 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.unlisten(this.port);
    this.emit('close');
  }
}

/**
 * Node's `onread` option of net.connect: arriving bytes are copied into the application's own buffer,
 * and no Buffer is made for each chunk ('data' is not emitted).
 */
export interface OnRead {
  /** Where the bytes go: one buffer used again and again, or a function that gives the buffer for each chunk. */
  buffer: Uint8Array | (() => Uint8Array);
  /** Called after each chunk with how many bytes were copied to the start of `buf`; false pauses the socket (resume() goes on). */
  callback: (bytes: number, buf: Uint8Array) => boolean | void;
}

export function checkOnread(o: OnRead): void {
  const ok = typeof o === 'object' && o !== null && (o.buffer instanceof Uint8Array || typeof o.buffer === 'function') && typeof o.callback === 'function';
  if (!ok) throw new SocketError('ERR_INVALID_ARG_TYPE', 'onread must be { buffer: a Uint8Array or a function returning one, callback: a function }');
}

export const EMPTY_PAYLOAD = Buffer.alloc(0);

/**
 * The application's end of one connection, shaped like Node's net.Socket but synchronous, so that on
 * virtual time every event happens at the instant its cause does: write, end (half-close), destroy,
 * resetAndDestroy (RST), read (when autoread is off); events 'connect', 'data', 'end', 'drain',
 * 'error' (with Node's codes), 'close'. lib/host/net.ts wraps it as a real Duplex stream.
 */
export class SimSocket extends LiteEmitter {
  /** Bytes the application read. */
  bytesRead = 0;
  /** Bytes the application wrote (accepted into the send buffer or the pending queue). */
  bytesWritten = 0;
  /** Everything read, kept when `keepData` is set (the scenario runner's `delivered` check). */
  received: Buffer[] | undefined;
  /** Set by connect's `onread` option: bytes are copied into the application's buffer instead of emitted as 'data'. */
  onread: OnRead | undefined = undefined;
  /** IP_TOS (ip(7)): the IPv4 header's type-of-service byte on this connection's packets; 0 leaves the host's own. */
  ipTos = 0;
  error: string | undefined;
  /** Writes waiting for send-buffer space; a shared empty array until the first one waits. */
  private pending: SendData[] = NO_PENDING as SendData[];
  private pendingBytes = 0;
  /** Bytes of pending[0] already handed to the connection (no view is made of the rest). */
  private pendingStart = 0;
  /** ended, closed, endRequested, closeAfterFlush and autoread as bits of one field (ENDED, CLOSED, ... below). */
  private flags: number;

  constructor(private readonly entry: Entry) {
    super();
    this.flags = entry.conn.config.autoread ? AUTOREAD : 0;
  }

  /** The peer's end of stream was delivered ('end' emitted). */
  get ended(): boolean {
    return (this.flags & ENDED) !== 0;
  }

  private set ended(v: boolean) {
    this.setFlag(ENDED, v);
  }

  /** 'close' was emitted: the connection is gone. */
  get closed(): boolean {
    return (this.flags & CLOSED) !== 0;
  }

  private set closed(v: boolean) {
    this.setFlag(CLOSED, v);
  }

  /** Data is handed to 'data' listeners as it arrives (else the application calls read()). */
  get autoread(): boolean {
    return (this.flags & AUTOREAD) !== 0;
  }

  set autoread(v: boolean) {
    this.setFlag(AUTOREAD, v);
  }

  private get endRequested(): boolean {
    return (this.flags & END_REQUESTED) !== 0;
  }

  private set endRequested(v: boolean) {
    this.setFlag(END_REQUESTED, v);
  }

  private get closeAfterFlush(): boolean {
    return (this.flags & CLOSE_AFTER_FLUSH) !== 0;
  }

  private set closeAfterFlush(v: boolean) {
    this.setFlag(CLOSE_AFTER_FLUSH, v);
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  private get host(): Host {
    return this.entry.host;
  }

  get id(): string {
    return this.entry.id;
  }

  get localPort(): number {
    return this.entry.conn.localPort;
  }

  get remoteAddr(): number {
    return this.entry.remoteAddr;
  }

  get remotePort(): number {
    return this.entry.conn.remotePort;
  }

  get connection(): Connection {
    return this.entry.conn;
  }

  get state(): TcpStateName {
    return this.entry.conn.state;
  }

  get remoteAddress(): string {
    return formatAddr(this.remoteAddr);
  }

  /** Queue bytes; what the send buffer cannot take now waits here and goes on 'writable' (Node's writable buffer). */
  write(data: Buffer | string): boolean {
    return this.queue(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /**
   * Write `w.length` bytes made by `w.make` only when a segment carries them (lib/tcp/send-buffer.ts,
   * ByteSource): to the connection, the trace and the peer exactly as write() of the whole, without
   * holding any of it (the scenario runner's `send N`).
   */
  writeGenerated(w: ByteSource): boolean {
    return this.queue(w);
  }

  private queue(buf: SendData): boolean {
    if (this.endRequested || this.closed) {
      this.fail('EPIPE', 'write after end');
      return false;
    }
    this.bytesWritten += buf.length;
    this.host.tracer?.app(this.host, this.id, 'send', buf.length);
    // An empty write queues nothing (as in Node): kept, it would stand at the head of the queue for ever,
    // since the connection takes none of it, and hold back every later write and the FIN.
    if (buf.length === 0) return this.pendingBytes === 0;
    // A literal of one (an empty array that is pushed to reserves 17 slots).
    if (this.pending === NO_PENDING) this.pending = [buf];
    else this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.flush();
    return this.pendingBytes === 0;
  }

  /** Half-close: FIN after everything written (Node's end() with allowHalfOpen). */
  end(): void {
    if (this.endRequested || this.closed) return;
    this.endRequested = true;
    this.host.tracer?.app(this.host, this.id, 'shutdown');
    this.flush();
  }

  /** Full close: FIN after everything written, and no more reading. */
  destroy(): void {
    if (this.closed) return;
    this.host.tracer?.app(this.host, this.id, 'close-req');
    this.endRequested = true;
    this.closeAfterFlush = true;
    // Nothing is read from now on, though the FIN may wait behind what is still to be written.
    if (this.entry.conn.isSynchronized()) this.entry.conn.stopReading();
    this.flush();
  }

  /**
   * Call into the connection directly at the host's time (a socket option that changes how it sends:
   * TCP_CORK, TCP_NODELAY, TCP_USER_TIMEOUT in lib/packetdrill), then schedule its timers again.
   */
  withConnection(fn: (conn: Connection, now: number) => void): void {
    if (this.closed) return;
    fn(this.entry.conn, this.host.clock.now);
    this.host.after(this.entry);
  }

  /** Abort with RST (Node's resetAndDestroy). */
  resetAndDestroy(): void {
    if (this.closed) return;
    this.host.tracer?.app(this.host, this.id, 'abort');
    this.pending = NO_PENDING as SendData[];
    this.pendingBytes = 0;
    this.pendingStart = 0;
    this.entry.conn.abort(this.host.clock.now);
    this.host.after(this.entry);
  }


  /** Stop reading: bytes wait in the receive buffer, and its window closes as it fills (Node's pause()). */
  pause(): void {
    this.autoread = false;
  }

  /** Read again, first what waited (Node's resume()). */
  resume(): void {
    this.autoread = true;
    if (!this.closed && !this.closeAfterFlush) this.read();
  }

  /**
   * Read up to `max` bytes now (for autoread: false). With `onread` they go to its buffer and callback,
   * and what is returned is empty.
   */
  read(max = Infinity): Buffer {
    if (this.onread !== undefined) {
      this.readOnread(this.onread, max);
      return EMPTY_PAYLOAD;
    }
    const conn = this.entry.conn;
    const now = this.host.clock.now;
    // The connection hands over everything it holds, up to max, in one piece.
    const out = conn.read(max, now);
    if (out.length > 0) {
      this.bytesRead += out.length;
      if (this.received) this.received.push(Buffer.from(out));
      this.host.tracer?.app(this.host, this.id, 'data', out.length);
      this.emit('data', out);
    }
    this.checkEnd();
    this.host.after(this.entry);
    return out;
  }

  /** Copy what is readable into onread's buffer, one chunk per callback, until it is all read, `max` is reached or the callback pauses. */
  private readOnread(o: OnRead, max: number): void {
    const conn = this.entry.conn;
    const now = this.host.clock.now;
    let left = max;
    while (left > 0 && conn.readable > 0) {
      const buf = typeof o.buffer === 'function' ? o.buffer() : o.buffer;
      const n = conn.readInto(buf, left, now);
      if (n === 0) break;
      left -= n;
      this.bytesRead += n;
      if (this.received) this.received.push(Buffer.from(buf.subarray(0, n)));
      this.host.tracer?.app(this.host, this.id, 'data', n);
      if (o.callback(n, buf) === false) {
        this.autoread = false;
        break;
      }
    }
    this.checkEnd();
    this.host.after(this.entry);
  }

  private flush(): void {
    const conn = this.entry.conn;
    const now = this.host.clock.now;
    if (conn.state === 'CLOSED') return;
    try {
      while (this.pending.length > 0) {
        const head = this.pending[0];
        const n = conn.isSynchronized() || conn.state === 'SYN-SENT' ? conn.send(head, now, this.pendingStart) : 0;
        if (n === 0) break;
        this.pendingBytes -= n;
        this.pendingStart += n;
        if (this.pendingStart === head.length) {
          this.pending.shift();
          this.pendingStart = 0;
        } else {
          break;
        }
      }
      // Written out and ended: no write may come after end, so the list's memory goes back.
      if (this.pending.length === 0 && this.endRequested) this.pending = NO_PENDING as SendData[];
      if (this.pending.length === 0 && this.endRequested && !conn.finQueued && conn.state !== 'SYN-SENT') {
        if (this.closeAfterFlush) conn.close(now);
        else conn.shutdown(now);
      } else if (this.pending.length === 0 && this.closeAfterFlush && conn.state === 'SYN-SENT') {
        conn.close(now);
      }
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      this.fail(err.code, err.message);
    }
    this.host.after(this.entry);
  }

  /** @internal events from the connection */
  handleEvent(ev: ConnEvent): void {
    const tracer = this.host.tracer;
    switch (ev.kind) {
      case 'established':
        if (ev.passive) {
          this.wasAccepted = true;
          this.host.accepted(this.entry);
          tracer?.app(this.host, this.id, 'accept');
          this.entry.listener?.emit('connection', this);
        } else {
          tracer?.app(this.host, this.id, 'connect');
          this.emit('connect');
        }
        this.flush();
        break;
      case 'readable':
        if (this.autoread && !this.closeAfterFlush) this.read();
        break;
      case 'fin':
        this.flags |= FIN_HEARD;
        this.checkEnd();
        break;
      case 'writable':
        if (this.pending.length > 0 || this.endRequested) {
          const had = this.pendingBytes;
          this.flush();
          if (had > 0 && this.pendingBytes === 0) this.emit('drain');
        }
        break;
      case 'error':
        if (this.entry.listener && !this.wasAccepted) break; // never accepted: nobody to tell
        this.fail(ev.code, errorText(ev.code));
        break;
      case 'closed':
        if (this.entry.listener && !this.wasAccepted) {
          this.host.accepted(this.entry);
          this.closed = true;
          break;
        }
        if (!this.closed) {
          this.closed = true;
          tracer?.app(this.host, this.id, 'close');
          this.emit('close', this.error !== undefined);
        }
        break;
    }
  }

  /** A passively opened socket exists for the application only once the handshake completed. */
  private wasAccepted = false;

  private checkEnd(): void {
    // From the event, not from the connection's state: a read made while the connection's outputs are handed
    // over may find the FIN already taken, and 'end' comes after the 'fin' event as it would have then.
    if (!this.ended && this.flags & FIN_HEARD && this.entry.conn.readable === 0) {
      this.ended = true;
      this.host.tracer?.app(this.host, this.id, 'end');
      this.emit('end');
    }
  }

  private fail(code: string, message: string): void {
    if (this.error) return;
    this.error = code;
    this.host.tracer?.app(this.host, this.id, 'error', undefined, code);
    const err = new SocketError(code, message);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

function errorText(code: string): string {
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused: the peer answered the SYN with RST';
    case 'ECONNRESET': return 'connection reset by peer';
    case 'ETIMEDOUT': return 'connection timed out: retransmissions went unanswered';
    default: return code;
  }
}
