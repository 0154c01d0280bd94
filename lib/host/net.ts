import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { Host, SimServer, SimSocket, SocketError } from './host.ts';
import { formatAddr, parseAddr } from '../wire/ipv4.ts';

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

  constructor(readonly sim: SimSocket, opts: SocketOptions = {}) {
    super({ allowHalfOpen: opts.allowHalfOpen ?? false });
    sim.autoread = true;
    sim.on('connect', () => this.emit('connect'));
    sim.on('data', (d: Buffer) => {
      // Copy: the bytes may be a view into a buffer the connection reuses.
      if (!this.push(Buffer.from(d))) sim.autoread = false;
    });
    sim.on('end', () => this.push(null));
    sim.on('drain', () => this.releaseWrite());
    sim.on('error', (err: SocketError) => this.destroy(err));
    sim.on('close', () => {
      this.releaseWrite();
      if (!this.destroyed) this.destroy();
    });
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
  get state(): string {
    return this.sim.state;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
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

  constructor(private readonly host: Host, private readonly opts: SocketOptions = {}) {
    super();
  }

  listen(port: number, backlog?: number, cb?: () => void): this {
    this.sim = this.host.listen(port, backlog);
    this.sim.on('connection', (s: SimSocket) => this.emit('connection', new Socket(s, this.opts)));
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
  const sock = new Socket(sim, to);
  if (onConnect) sock.once('connect', onConnect);
  return sock;
}
