import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { Host, SimServer, SimSocket, SocketError } from './host.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';
import type { TcpStateName } from '../trace/events.ts';

/**
 * The host's sockets as Node's `net` shapes them: a Server with `listen` and 'connection', a Socket
 * that is a Duplex stream (write, end for half-close, destroy, resetAndDestroy; events 'connect',
 * 'data', 'end', 'close', 'error' with Node's codes). Backpressure both ways: a full send buffer holds
 * `write` callbacks until it drains; a reader that stops reading stops draining the receive buffer,
 * which closes the advertised window.
 */
export interface SocketOptions {
  /** As in Node: false (the default) ends our side when the peer's FIN arrives. */
  allowHalfOpen?: boolean;
}

export class Socket extends Duplex {
  private pendingWrite: (() => void) | undefined;
  /** setTimeout's idle time (ms; 0: off) and the clock event that ends it. */
  private idleMs = 0;
  private idleTimer: number | undefined;

  /** @internal The host's socket behind this stream. */
  readonly sim: SimSocket;

  /**
   * @internal Made by createServer and connect. `host`: the socket's, for setTimeout (its clock:
   * virtual time on the in-memory link) and localAddress.
   */
  constructor(sim: SimSocket, opts: SocketOptions = {}, private readonly host?: Host) {
    super({ allowHalfOpen: opts.allowHalfOpen ?? false });
    this.sim = sim;
    sim.autoread = true;
    sim.on('connect', () => this.emit('connect'));
    sim.on('data', (d: Buffer) => {
      this.touch();
      // Copy: the bytes may be a view into a buffer the connection reuses.
      if (!this.push(Buffer.from(d))) sim.autoread = false;
    });
    sim.on('end', () => this.push(null));
    sim.on('drain', () => this.releaseWrite());
    sim.on('error', (err: SocketError) => this.destroy(err));
    sim.on('close', () => {
      this.releaseWrite();
      this.setTimeout(0);
      if (!this.destroyed) this.destroy();
    });
  }

  /**
   * As Node's: emit 'timeout' once the socket has been idle (nothing read or written) for `ms`
   * milliseconds of the host's clock, virtual time on the in-memory link; 0 turns it off. Like Node's,
   * it only tells: the socket stays open. (Node's http server sets it for keep-alive.)
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (!this.host) throw new Error('Socket.setTimeout needs the host\'s clock: make sockets with createServer or connect');
    if (callback) this.once('timeout', callback);
    this.idleMs = ms > 0 && Number.isFinite(ms) ? ms : 0;
    this.touch();
    return this;
  }

  /** The idle timer starts again (something was read or written). */
  private touch(): void {
    const clock = this.host?.clock;
    if (this.idleTimer !== undefined) clock!.cancel(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs === 0 || this.destroyed || !clock) return;
    this.idleTimer = clock.at(clock.now + this.idleMs, () => {
      this.idleTimer = undefined;
      this.emit('timeout');
    });
  }

  /** Accepted for `net` compatibility; Nagle's algorithm is the host's TCP setting (`nagle`). */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  /** Accepted for `net` compatibility; keep-alive is the host's TCP setting (`keepaliveMs`). */
  setKeepAlive(_enable?: boolean, _initialDelayMs?: number): this {
    return this;
  }

  /** Accepted for `net` compatibility: an emulated socket never holds Node's event loop open. */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** True until the handshake completes (active open). */
  get connecting(): boolean {
    return this.sim.state === 'SYN-SENT';
  }

  address(): { address: string; family: 'IPv4'; port: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }

  get localAddress(): string {
    return this.host?.addrText ?? '';
  }

  get remoteFamily(): 'IPv4' {
    return 'IPv4';
  }

  get remoteAddress(): string {
    return formatAddr(this.sim.remoteAddr);
  }
  get remotePort(): number {
    return this.sim.remotePort;
  }
  get localPort(): number {
    return this.sim.localPort;
  }
  /** The TCP state, in RFC 9293's spelling. */
  get state(): TcpStateName {
    return this.sim.state;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.touch();
    if (this.sim.write(chunk)) cb();
    else this.pendingWrite = () => cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.sim.end();
    cb();
  }

  override _read(): void {
    if (this.sim.autoread) return;
    this.sim.autoread = true;
    this.sim.read();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.sim.closed) this.sim.destroy();
    cb(err);
  }

  /** Abort with RST, as Node's socket.resetAndDestroy(). */
  resetAndDestroy(): this {
    this.sim.resetAndDestroy();
    return this.destroy();
  }

  private releaseWrite(): void {
    const cb = this.pendingWrite;
    this.pendingWrite = undefined;
    cb?.();
  }
}

export class Server extends EventEmitter {
  private sim: SimServer | undefined;

  /** @internal Made by createServer. */
  constructor(private readonly host: Host, private readonly opts: SocketOptions = {}) {
    super();
  }

  /** listen(port, [backlog], [callback]), as Node's. */
  listen(port: number, backlogOrCb?: number | (() => void), cb?: () => void): this {
    const backlog = typeof backlogOrCb === 'number' ? backlogOrCb : undefined;
    if (typeof backlogOrCb === 'function') cb = backlogOrCb;
    this.sim = this.host.listen(port, backlog);
    this.sim.on('connection', (s: SimSocket) => this.emit('connection', new Socket(s, this.opts, this.host)));
    if (cb) this.once('listening', cb);
    queueMicrotask(() => this.emit('listening'));
    return this;
  }

  address(): { address: string; port: number } | null {
    return this.sim ? { address: this.host.addrText, port: this.sim.port } : null;
  }

  close(cb?: () => void): this {
    this.sim?.close();
    if (cb) queueMicrotask(cb);
    return this;
  }
}

export function createServer(host: Host, opts: SocketOptions = {}, onConnection?: (s: Socket) => void): Server {
  const server = new Server(host, opts);
  if (onConnection) server.on('connection', onConnection);
  return server;
}

/** Active open, as net.connect({ host, port, localPort }). `host` is a dotted IPv4 address. */
export function connect(host: Host, to: { host: string; port: number; localPort?: number } & SocketOptions, onConnect?: () => void): Socket {
  const sim = host.connect(parseAddr(to.host), to.port, { fromPort: to.localPort });
  const sock = new Socket(sim, to, host);
  if (onConnect) sock.once('connect', onConnect);
  return sock;
}
