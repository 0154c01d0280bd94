/**
 * packetdrill's system calls on tcpemu's host: socket, bind, listen, accept, connect, read/recv,
 * write/send/sendto/sendmsg (no ancillary data; MSG_MORE the one flag), close, shutdown, fcntl O_NONBLOCK,
 * poll, ioctl SIOCINQ/SIOCOUTQ, and setsockopt/getsockopt of SO_REUSEADDR, SO_LINGER, SO_RCVBUF, SO_SNDBUF,
 * TCP_NODELAY, TCP_MAXSEG and TCP_CORK. Each call gives a function the runner polls: it returns the outcome once
 * the model can complete the call (at once for a call that does not block), undefined until then.
 * Descriptors are the script's own numbers. Anything else is named by unsupportedSyscall.
 */
import type { Host, SimServer, SimSocket } from '../host/host.ts';
import type { TcpConfig } from '../tcp/config.ts';
import type { Expr, SyscallEvent } from './parse.ts';
import { tcpInfo, tcpInfoFirstWord } from './tcpinfo.ts';
import { UserTimeout } from '../tcp/user-timeout.ts';
import { SendChrono } from '../tcp/chrono.ts';
import type { Msg } from '../i18n/index.ts';
import { FastOpenClient, TFO_CLIENT_ENABLE, TFO_CLIENT_NO_COOKIE, TFO_SERVER_COOKIE_NOT_REQD, TFO_SERVER_ENABLE, TFO_SERVER_WO_SOCKOPT1 } from '../tcp/tfo.ts';

export interface CallOutcome {
  result: number;
  errno?: string;
  /** An output value that differs from the script's (getsockopt's [value], ioctl's, poll's revents), in packetdrill's words (`pd.r.*`). */
  mismatch?: Msg;
}

export interface PendingCall {
  ev: SyscallEvent;
  poll: () => CallOutcome | undefined;
  done: boolean;
  /** When the script says it returns (s). */
  endScript: number;
  outcome?: CallOutcome;
  endT?: number;
}

const SYMBOLS: Record<string, number> = {
  AF_INET: 2, AF_INET6: 10, PF_INET: 2, SOCK_STREAM: 1, SOCK_NONBLOCK: 0x800, IPPROTO_TCP: 6, IPPROTO_IP: 0,
  SOL_SOCKET: 1, SOL_TCP: 6, SO_REUSEADDR: 2, SO_LINGER: 13, SO_RCVBUF: 8, SO_SNDBUF: 7, SO_ERROR: 4, SO_KEEPALIVE: 9,
  TCP_NODELAY: 1, TCP_MAXSEG: 2, TCP_CORK: 3, TCP_INFO: 11, TCP_INQ: 36, TCP_CM_INQ: 36, TCP_USER_TIMEOUT: 18,
  SOL_IP: 0, IP_TOS: 1, IP_MTU_DISCOVER: 10, IP_PMTUDISC_DONT: 0, IP_PMTUDISC_WANT: 1, IP_PMTUDISC_DO: 2,
  F_GETFL: 3, F_SETFL: 4, O_RDWR: 2, O_NONBLOCK: 0x800, O_RDONLY: 0, O_WRONLY: 1,
  SIOCINQ: 0x541b, FIONREAD: 0x541b, SIOCOUTQ: 0x5411, TIOCOUTQ: 0x5411,
  SHUT_RD: 0, SHUT_WR: 1, SHUT_RDWR: 2, MSG_MORE: 0x8000, MSG_FASTOPEN: 0x20000000, TCP_FASTOPEN: 23, TCP_FASTOPEN_CONNECT: 30,
  TCP_FASTOPEN_KEY: 33, TCP_FASTOPEN_NO_COOKIE: 34, TCP_WINDOW_CLAMP: 10,
  POLLIN: 1, POLLPRI: 2, POLLOUT: 4, POLLERR: 8, POLLHUP: 16, POLLNVAL: 32, POLLRDNORM: 0x40, POLLWRNORM: 0x100, POLLRDHUP: 0x2000,
};
/** Linux's SOCK_MIN_RCVBUF: 2048 bytes and the size of an sk_buff (256 on x86-64 with today's kernels, taken as such). */
const SOCK_MIN_RCVBUF = 2048 + 256;
const SOCKOPTS = ['SO_REUSEADDR', 'SO_LINGER', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_ERROR', 'TCP_NODELAY', 'TCP_MAXSEG', 'TCP_CORK', 'TCP_INQ', 'TCP_USER_TIMEOUT', 'IP_TOS', 'IP_MTU_DISCOVER', 'TCP_INFO', 'TCP_FASTOPEN', 'TCP_FASTOPEN_CONNECT', 'TCP_FASTOPEN_KEY', 'TCP_FASTOPEN_NO_COOKIE', 'TCP_WINDOW_CLAMP'];
/** Flags a send call may carry. */
const SEND_FLAGS = ['MSG_MORE', 'MSG_FASTOPEN'];
const CALLS = ['socket', 'bind', 'listen', 'accept', 'connect', 'read', 'recv', 'recvfrom', 'recvmsg', 'write', 'send', 'sendto', 'sendmsg', 'close', 'shutdown', 'fcntl', 'poll', 'ioctl', 'setsockopt', 'getsockopt'];

/** Why a call cannot run on the model (the construct to name), or undefined. */
export function unsupportedSyscall(ev: SyscallEvent): Msg | string | undefined {
  if (!CALLS.includes(ev.name)) return { key: 'pd.u.syscall', params: { name: ev.name } };
  const a = ev.args;
  const symsOf = (e: Expr | undefined): string[] => (e === undefined ? [] : e.kind === 'sym' ? [e.name] : e.kind === 'or' ? e.items.flatMap(symsOf) : []);
  for (const arg of a) for (const s of symsOf(arg)) if (!(s in SYMBOLS) && !s.startsWith('MSG_')) return { key: 'pd.u.symbol', params: { s, call: ev.name } };
  if (ev.name === 'socket') {
    const dom = symsOf(a[0]);
    if (dom.includes('AF_INET6')) return { key: 'pd.u.ipv6' };
  }
  if (ev.name === 'setsockopt' || ev.name === 'getsockopt') {
    const opt = symsOf(a[2])[0];
    if (opt === undefined || !SOCKOPTS.includes(opt)) return opt === undefined ? { key: 'pd.u.optByNumber', params: { call: ev.name } } : `${ev.name} ${opt}`;
    if (ev.name === 'setsockopt' && (opt === 'SO_ERROR' || opt === 'TCP_INFO')) return `setsockopt ${opt}`;
    if (ev.name === 'getsockopt' && opt === 'TCP_FASTOPEN_KEY') return 'getsockopt TCP_FASTOPEN_KEY';
    // Linux reports the clamp its initial window worked out (from tcp_rmem) when none was set: not modelled.
    if (ev.name === 'getsockopt' && opt === 'TCP_WINDOW_CLAMP') return 'getsockopt TCP_WINDOW_CLAMP';
    if (ev.name === 'setsockopt' && opt === 'TCP_FASTOPEN_KEY' && a[3]?.kind !== 'str') return { key: 'pd.u.tfoKey' };
    if (opt === 'TCP_INFO' && !(a[3]?.kind === 'list' && value(a[4]) === 4)) return { key: 'pd.u.tcpInfo' };
  }
  if (['send', 'sendto', 'recv', 'recvfrom', 'sendmsg', 'recvmsg'].includes(ev.name)) {
    const flags = symsOf(a[ev.name.endsWith('msg') ? 2 : 3]).filter((fl) => !(ev.name.startsWith('send') && SEND_FLAGS.includes(fl)));
    if (flags.length) return { key: 'pd.u.flag', params: { call: ev.name, flags: flags.join('|') } };
  }
  if (ev.name === 'sendmsg') {
    const msg = a[1];
    if (msg?.kind === 'struct' && msg.fields.some((f) => f.kind === 'field' && f.name === 'msg_control')) return { key: 'pd.u.sendmsgCtl' };
  }
  if (ev.name === 'recvmsg') {
    const types = cmsgs(a[1]).map((c) => c.type);
    if (types.some((ty) => ty !== 'TCP_CM_INQ')) return { key: 'pd.u.recvmsgCtl', params: { types: types.filter((ty) => ty !== 'TCP_CM_INQ').join(', ') } };
  }
  if (ev.name === 'fcntl' && !['F_GETFL', 'F_SETFL'].includes(symsOf(a[1])[0] ?? '')) return `fcntl ${symsOf(a[1])[0] ?? ''}`;
  if (ev.name === 'ioctl' && !['SIOCINQ', 'FIONREAD', 'SIOCOUTQ', 'TIOCOUTQ'].includes(symsOf(a[1])[0] ?? '')) return `ioctl ${symsOf(a[1])[0] ?? ''}`;
  return undefined;
}

interface Fd {
  num: number;
  nonblock: boolean;
  config: TcpConfig;
  linger0: boolean;
  server?: SimServer;
  backlog: SimSocket[];
  sock?: SimSocket;
  /** connect() was called and has not been reported yet (non-blocking: the second call answers). */
  connecting: boolean;
  readShut: boolean;
  drained: boolean;
  /** TCP_CORK (an accepted socket takes the listener's, as Linux copies tcp_sock's nonagle). */
  cork: boolean;
  /** TCP_INQ: recvmsg reports the bytes left to read. */
  inq: boolean;
  /** TCP_USER_TIMEOUT in ms, 0 for none (an accepted socket takes the listener's). */
  userTimeoutMs: number;
  /** IP_TOS (an accepted socket takes the listener's) and IP_MTU_DISCOVER, which the model keeps but does not act on. */
  tos: number;
  pmtudisc: number;
  /** TCP_FASTOPEN's queue length on a listener (0: none), and TCP_FASTOPEN_CONNECT on a client. */
  fastOpenQlen: number;
  fastOpenConnect: boolean;
  /** TCP_FASTOPEN_NO_COOKIE (data on a SYN without a cookie, both sides), and TCP_FASTOPEN_KEY's key and backup key. */
  fastOpenNoCookie?: boolean;
  fastOpenKeys?: [Buffer, Buffer | undefined];
  /** TCP_WINDOW_CLAMP in bytes (Infinity when none); an accepted socket takes the listener's. */
  windowClamp?: number;
  /** The connection's error was reported by a call already (Linux's sock_error reports it once). */
  errorTaken: boolean;
  /** connect() with TCP_FASTOPEN_CONNECT and a cookie: the SYN waits for the first write, which it carries. */
  deferred: boolean;
}

function value(e: Expr | undefined): number | undefined {
  if (e === undefined) return undefined;
  switch (e.kind) {
    case 'num': return e.value;
    case 'sym': return SYMBOLS[e.name] ?? (e.name.startsWith('MSG_') ? 0 : undefined);
    case 'or': return e.items.reduce((v, i) => v | (value(i) ?? 0), 0);
    case 'list': return value(e.items[0]);
    default: return undefined;
  }
}

/** The named field of a `{...}` argument, if there is one. */
function field(e: Expr | undefined, name: string): Expr | undefined {
  if (e?.kind !== 'struct') return undefined;
  const f = e.fields.find((x) => x.kind === 'field' && x.name === name);
  return f?.kind === 'field' ? f.value : undefined;
}

/** Bytes a call moves: its length argument, or the iovecs' lengths of a sendmsg or recvmsg. */
function ioLength(ev: SyscallEvent): number {
  if (ev.name === 'sendmsg' || ev.name === 'recvmsg') {
    const iov = field(ev.args[1], 'msg_iov');
    let n = 0;
    if (iov?.kind === 'list') for (const v of iov.items) if (v.kind === 'struct') n += value(v.fields[1]) ?? 0;
    return n;
  }
  return value(ev.args[2]) ?? 0;
}

/** The control messages a recvmsg expects: `msg_control=[{cmsg_level=..., cmsg_type=..., cmsg_data=...}]`. */
function cmsgs(msg: Expr | undefined): { type: string; data: number | undefined }[] {
  const list = field(msg, 'msg_control');
  if (list?.kind !== 'list') return [];
  return list.items.map((c) => {
    const ty = field(c, 'cmsg_type');
    return { type: ty?.kind === 'sym' ? ty.name : '(by number)', data: value(field(c, 'cmsg_data')) };
  });
}

export class Sockets {
  private readonly fds = new Map<number, Fd>();
  private last: SimSocket | undefined;
  private lastActive = false;

  /** `fastOpenFlags`: net.ipv4.tcp_fastopen's bits (lib/tcp/tfo.ts), Linux's default 1 (client only). */
  constructor(private readonly host: Host, private readonly config: TcpConfig, private readonly remote: number, private readonly port: number, private readonly now: () => number, private readonly fastOpenFlags = TFO_CLIENT_ENABLE) {}

  /** The local port of the newest active connection (for the remote end's segments), if any. */
  activeLocalPort(): number | undefined {
    return this.last?.localPort;
  }

  /** Whether the newest connection was opened by connect() (else by accept(), or none). */
  lastWasConnect(): boolean {
    return this.lastActive;
  }

  listening(): boolean {
    for (const f of this.fds.values()) if (f.server && !f.server.closed) return true;
    return false;
  }

  /** TCP_INFO of the socket under test (the newest connection), for %{ }%. */
  tcpInfoOfLast(): Map<string, number> | undefined {
    return this.last ? tcpInfo(this.last.connection, this.now() * 1000) : undefined;
  }

  private fd(ev: SyscallEvent): Fd {
    const n = value(ev.args[0]);
    const f = n === undefined ? undefined : this.fds.get(n);
    return f ?? ({ num: -1 } as Fd);
  }

  call(ev: SyscallEvent): () => CallOutcome | undefined {
    const ok = (result = 0): CallOutcome => ({ result });
    const err = (errno: string): CallOutcome => ({ result: -1, errno });
    const f = this.fd(ev);
    const noFd = () => f.num === -1 && ev.name !== 'socket';
    if (noFd()) return () => err('EBADF');
    switch (ev.name) {
      case 'socket': {
        const num = ev.result !== undefined && ev.result >= 0 ? ev.result : Math.max(2, ...this.fds.keys()) + 1;
        const nonblock = ((value(ev.args[1]) ?? 0) & SYMBOLS.SOCK_NONBLOCK) !== 0;
        this.fds.set(num, { num, nonblock, config: { ...this.config }, linger0: false, backlog: [], connecting: false, readShut: false, drained: true, cork: false, inq: false, userTimeoutMs: 0, tos: 0, pmtudisc: SYMBOLS.IP_PMTUDISC_WANT, fastOpenQlen: 0, fastOpenConnect: false, deferred: false, errorTaken: false });
        return () => ok(num);
      }
      case 'bind':
        return () => ok();
      case 'listen': {
        const backlog = Math.max(1, value(ev.args[1]) ?? 1);
        try {
          f.server = this.host.listen(this.port, backlog, f.config);
        } catch {
          return () => err('EADDRINUSE');
        }
        f.server.ipTos = f.tos;
        this.fastOpenListener(f);
        f.server.on('connection', (s: SimSocket) => {
          s.connection.chrono = new SendChrono();
          f.backlog.push(s);
        });
        return () => ok();
      }
      case 'accept': {
        const num = ev.result !== undefined && ev.result >= 0 ? ev.result : Math.max(2, ...this.fds.keys()) + 1;
        return () => {
          const s = f.backlog.shift();
          if (!s) return f.nonblock ? err('EAGAIN') : undefined;
          // Its own copy of the listener's settings, for its own setsockopt calls.
          const config = { ...s.connection.config };
          (s.connection as unknown as { config: TcpConfig }).config = config;
          this.fds.set(num, { num, nonblock: false, config, linger0: f.linger0, sock: s, backlog: [], connecting: false, readShut: false, drained: true, cork: f.cork, inq: f.inq, userTimeoutMs: f.userTimeoutMs, tos: f.tos, pmtudisc: f.pmtudisc, fastOpenQlen: 0, fastOpenConnect: false, deferred: false, errorTaken: false });
          s.ipTos = f.tos;
          if (f.windowClamp !== undefined) {
            this.fds.get(num)!.windowClamp = f.windowClamp;
            s.connection.windowClamp = f.windowClamp;
          }
          if (f.cork) s.connection.sendHold().corked = true;
          if (f.userTimeoutMs > 0) s.connection.userTimeout = new UserTimeout(f.userTimeoutMs);
          this.last = s;
          this.lastActive = false;
          return ok(num);
        };
      }
      case 'connect': {
        if (f.sock) {
          const s = f.sock;
          return () => (s.state === 'ESTABLISHED' || s.state === 'CLOSE-WAIT' ? (f.connecting ? ((f.connecting = false), ok()) : err('EISCONN')) : s.error ? err(s.error) : err('EALREADY'));
        }
        // TCP_FASTOPEN_CONNECT with a cookie for the server: connect() returns at once, the first write sends the SYN (tcp_fastopen_defer_connect).
        if (f.fastOpenConnect && this.fastOpenClient() && (this.host.fastOpenCache.get(this.remote) || this.clientNoCookie(f))) {
          f.deferred = true;
          return () => ok();
        }
        const s = this.opened(f, this.host.connect(this.remote, this.port, { config: f.config }));
        if (f.nonblock) return () => err('EINPROGRESS');
        return () => {
          if (s.error) return err(s.error);
          if (s.state === 'SYN-SENT' || s.state === 'SYN-RECEIVED') return undefined;
          f.connecting = false;
          return ok();
        };
      }
      case 'read': case 'recv': case 'recvfrom': case 'recvmsg': {
        const max = ioLength(ev);
        const inqWanted = ev.name === 'recvmsg' ? cmsgs(ev.args[1]).find((c) => c.type === 'TCP_CM_INQ') : undefined;
        return () => {
          const s = f.sock;
          if (!s) return err('ENOTCONN');
          const conn = s.connection;
          if (conn.readable > 0 && !f.readShut) {
            const n = s.read(Math.min(max, conn.readable)).length;
            return inqWanted ? this.inqCheck(f, conn, n, inqWanted.data) : ok(n);
          }
          if (s.error && !s.ended && !f.errorTaken) {
            f.errorTaken = true;
            const e = s.error;
            return err(e === 'ETIMEDOUT' || e === 'ECONNRESET' || e === 'ECONNREFUSED' ? e : 'ECONNRESET');
          }
          if (conn.eof || f.readShut || s.closed) {
            s.read(0);
            return ok(0);
          }
          return f.nonblock ? err('EAGAIN') : undefined;
        };
      }
      case 'write': case 'send': case 'sendto': case 'sendmsg': {
        const n = ioLength(ev);
        const fastOpen = (ev.name === 'sendto' || ev.name === 'sendmsg') && ((value(ev.args[ev.name === 'sendmsg' ? 2 : 3]) ?? 0) & SYMBOLS.MSG_FASTOPEN) !== 0;
        if (!f.sock && !f.server && (fastOpen || f.deferred)) return this.fastOpenConnect(f, n);
        const s = f.sock;
        if (!s) return () => err('EPIPE');
        if (s.error) return () => err(this.writeError(f, s));
        // MSG_MORE holds short segments while this call queues its bytes (lib/tcp/send-hold.ts).
        const more = ev.name !== 'write' && ((value(ev.args[ev.name === 'sendmsg' ? 2 : 3]) ?? 0) & SYMBOLS.MSG_MORE) !== 0;
        if (more) s.connection.sendHold().more = true;
        try {
          return this.write(f, s, n);
        } finally {
          if (more) s.connection.sendHold().more = false;
        }
      }
      case 'close': {
        this.fds.delete(f.num);
        if (f.server) f.server.close();
        if (f.sock) {
          if (f.linger0) f.sock.resetAndDestroy();
          else f.sock.destroy();
        }
        for (const s of f.backlog) s.destroy();
        return () => ok();
      }
      case 'shutdown': {
        const how = value(ev.args[1]) ?? 0;
        if (!f.sock) return () => err('ENOTCONN');
        if (how !== SYMBOLS.SHUT_WR) f.readShut = true;
        if (how !== SYMBOLS.SHUT_RD) f.sock.end();
        return () => ok();
      }
      case 'fcntl': {
        const cmd = value(ev.args[1]);
        if (cmd === SYMBOLS.F_GETFL) return () => ok(SYMBOLS.O_RDWR | (f.nonblock ? SYMBOLS.O_NONBLOCK : 0));
        f.nonblock = ((value(ev.args[2]) ?? 0) & SYMBOLS.O_NONBLOCK) !== 0;
        return () => ok();
      }
      case 'ioctl': {
        const req = value(ev.args[1]);
        const want = value(ev.args[2]);
        return () => {
          const conn = f.sock?.connection;
          // Linux's tcp_inq: nothing to read yet in SYN-SENT or SYN-RECEIVED (a Fast Open SYN's data included).
          const inq = conn === undefined || conn.state === 'SYN-SENT' || conn.state === 'SYN-RECEIVED' ? 0 : conn.readable;
          const v = conn === undefined ? 0 : req === SYMBOLS.SIOCINQ ? inq : conn.sendQueued;
          const name = req === SYMBOLS.SIOCINQ ? 'SIOCINQ' : 'SIOCOUTQ';
          return want !== undefined && want !== v ? { result: 0, mismatch: { key: 'pd.r.ioctl', params: { name, expected: want, actual: v } } } : ok();
        };
      }
      case 'poll': return this.poll(ev);
      case 'setsockopt': return this.setsockopt(ev, f);
      case 'getsockopt': return this.getsockopt(ev, f);
    }
    return () => err('ENOSYS');
  }

  /**
   * A write on a connection that failed: ECONNRESET the first time a reset is reported, then EPIPE. Linux
   * reports a socket's error once (sock_error clears sk_err); after it the socket is shut both ways, so a read
   * returns 0 and a write EPIPE.
   */
  private writeError(f: Fd, s: SimSocket): string {
    if (s.error === 'ECONNRESET' && !f.errorTaken) {
      f.errorTaken = true;
      return 'ECONNRESET';
    }
    return 'EPIPE';
  }

  /** The settings of an active socket, on the connection connect() or a Fast Open send made. */
  private opened(f: Fd, s: SimSocket): SimSocket {
    if (f.windowClamp !== undefined) s.connection.windowClamp = f.windowClamp;
    if (f.cork) s.connection.sendHold().corked = true;
    if (f.userTimeoutMs > 0) s.connection.userTimeout = new UserTimeout(f.userTimeoutMs);
    s.ipTos = f.tos;
    s.connection.chrono = new SendChrono();
    f.sock = s;
    f.connecting = true;
    this.last = s;
    this.lastActive = true;
    return s;
  }

  private fastOpenClient(): boolean {
    return (this.fastOpenFlags & TFO_CLIENT_ENABLE) !== 0;
  }

  /**
   * A listener does Fast Open when the server bit is set and it asked with TCP_FASTOPEN, or the sysctl says
   * every listener does (TFO_SERVER_WO_SOCKOPT1), as Linux's inet_listen and tcp_try_fastopen decide.
   */
  private fastOpenListener(f: Fd): void {
    if (!f.server) return;
    const flags = this.fastOpenFlags;
    f.server.fastOpen = (flags & TFO_SERVER_ENABLE) !== 0 && (f.fastOpenQlen > 0 || (flags & TFO_SERVER_WO_SOCKOPT1) !== 0);
    f.server.fastOpenNoCookie = (flags & TFO_SERVER_COOKIE_NOT_REQD) !== 0 || f.fastOpenNoCookie === true;
    // The queue length TCP_FASTOPEN gave; without it (TFO_SERVER_WO_SOCKOPT1), the listen() backlog (Linux's inet_listen).
    f.server.fastOpenMaxQueue = f.fastOpenQlen > 0 ? f.fastOpenQlen : f.server.backlog;
    [f.server.fastOpenKey, f.server.fastOpenBackupKey] = f.fastOpenKeys ?? [undefined, undefined];
  }

  /** The client sends data on its SYN without a cookie: TFO_CLIENT_NO_COOKIE (net.ipv4.tcp_fastopen 0x4) or TCP_FASTOPEN_NO_COOKIE. */
  private clientNoCookie(f: Fd): boolean {
    return (this.fastOpenFlags & TFO_CLIENT_NO_COOKIE) !== 0 || f.fastOpenNoCookie === true;
  }

  /**
   * sendto/sendmsg with MSG_FASTOPEN on an unconnected socket, or the first write after a deferred
   * TCP_FASTOPEN_CONNECT (RFC 7413; Linux's tcp_sendmsg_fastopen): connect with the data. Non-blocking, the call
   * returns what the SYN carries, or EINPROGRESS when it carries nothing (no cookie yet: the SYN asks for one);
   * blocking, it returns once the connection is made and everything is queued.
   */
  private fastOpenConnect(f: Fd, n: number): () => CallOutcome | undefined {
    const err = (errno: string): CallOutcome => ({ result: -1, errno });
    if (!this.fastOpenClient()) return () => err('EOPNOTSUPP');
    f.deferred = false;
    const noCookie = this.clientNoCookie(f);
    const room = new FastOpenClient(this.host.fastOpenCache, this.remote, noCookie).synRoom(f.config.mss);
    const data = Buffer.alloc(f.nonblock ? Math.min(n, room) : n);
    const s = this.opened(f, this.host.connect(this.remote, this.port, { config: { ...f.config, fastOpen: 'client' }, fastOpen: data, fastOpenNoCookie: noCookie }));
    if (f.nonblock) return () => (data.length > 0 ? { result: data.length } : err('EINPROGRESS'));
    return () => {
      if (s.error) return err(s.error);
      if (!s.connection.isSynchronized() || s.state === 'SYN-RECEIVED') return undefined;
      f.connecting = false;
      return { result: n };
    };
  }

  /**
   * TCP_INQ's control message after a read (tcp(7)): the bytes left to read, counting the peer's FIN as
   * one, as Linux's tcp_inq_hint takes RCV.NXT less what was read. Linux sends it only with TCP_INQ set.
   */
  private inqCheck(f: Fd, conn: SimSocket['connection'], n: number, want: number | undefined): CallOutcome {
    if (!f.inq) return { result: n, mismatch: { key: 'pd.r.inqUnset' } };
    const inq = conn.readable + (conn.finReceived ? 1 : 0);
    if (want !== undefined && want !== inq) return { result: n, mismatch: { key: 'pd.r.inq', params: { expected: want, actual: inq } } };
    return { result: n };
  }

  /** write and the send calls: queue `n` bytes; a blocking call returns once all of them are in the send buffer. */
  private write(f: Fd, s: SimSocket, n: number): () => CallOutcome | undefined {
    const ok = (result = 0): CallOutcome => ({ result });
    const err = (errno: string): CallOutcome => ({ result: -1, errno });
    if (f.nonblock) {
      const space = s.connection.isSynchronized() ? s.connection.sendSpace : 0;
      const k = Math.min(n, space);
      if (k === 0) return () => err('EAGAIN');
      s.write(Buffer.alloc(k));
      return () => (s.error ? err(this.writeError(f, s)) : ok(k));
    }
    f.drained = s.write(Buffer.alloc(n));
    if (!f.drained) s.once('drain', () => (f.drained = true));
    return () => {
      if (s.error) return err(this.writeError(f, s));
      return f.drained ? ok(n) : undefined;
    };
  }

  private revents(f: Fd | undefined): number {
    let r = 0;
    if (!f) return SYMBOLS.POLLNVAL;
    if (f.server) return f.backlog.length ? SYMBOLS.POLLIN | SYMBOLS.POLLRDNORM : 0;
    const s = f.sock;
    if (!s) return SYMBOLS.POLLOUT | SYMBOLS.POLLHUP;
    const c = s.connection;
    if (c.readable > 0 || c.eof) r |= SYMBOLS.POLLIN | SYMBOLS.POLLRDNORM;
    if (c.eof) r |= SYMBOLS.POLLRDHUP;
    if (c.isSynchronized() && c.sendSpace > 0) r |= SYMBOLS.POLLOUT | SYMBOLS.POLLWRNORM;
    if (s.error) r |= SYMBOLS.POLLERR | SYMBOLS.POLLHUP;
    return r;
  }

  private poll(ev: SyscallEvent): () => CallOutcome | undefined {
    const list = ev.args[0];
    const items = list?.kind === 'list' ? list.items : [];
    const want = items.map((it) => {
      const fields = it.kind === 'struct' ? it.fields : [];
      const get = (n: string) => {
        const fl = fields.find((x) => x.kind === 'field' && x.name === n);
        return fl && fl.kind === 'field' ? value(fl.value) : undefined;
      };
      return { fd: get('fd') ?? -1, events: get('events') ?? 0, revents: get('revents') };
    });
    const timeout = value(ev.args[2]) ?? -1;
    const started = this.now();
    return () => {
      const got = want.map((w) => this.revents(this.fds.get(w.fd)) & (w.events | SYMBOLS.POLLERR | SYMBOLS.POLLHUP | SYMBOLS.POLLNVAL));
      const ready = got.filter((g) => g !== 0).length;
      if (ready === 0 && (timeout < 0 || this.now() < started + timeout / 1000 - 1e-9)) return undefined;
      const bad = want.findIndex((w, k) => w.revents !== undefined && w.revents !== got[k]);
      if (bad >= 0) return { result: ready, mismatch: { key: 'pd.r.poll', params: { fd: want[bad].fd, expected: `0x${want[bad].revents!.toString(16)}`, actual: `0x${got[bad].toString(16)}` } } };
      return { result: ready };
    };
  }

  private setsockopt(ev: SyscallEvent, f: Fd): () => CallOutcome | undefined {
    const opt = ev.args[2]?.kind === 'sym' ? ev.args[2].name : '';
    const arg = ev.args[3];
    const v = value(arg) ?? 0;
    switch (opt) {
      case 'SO_LINGER': {
        const fields = arg?.kind === 'struct' ? arg.fields : [];
        const get = (n: string) => {
          const fl = fields.find((x) => x.kind === 'field' && x.name === n);
          return fl && fl.kind === 'field' ? value(fl.value) : undefined;
        };
        f.linger0 = get('onoff') === 1 && get('linger') === 0;
        break;
      }
      // Linux doubles what is asked for, for its bookkeeping (socket(7)).
      case 'SO_RCVBUF': f.config.rcvbuf = 2 * v; break;
      case 'SO_SNDBUF': f.config.sndbuf = 2 * v; break;
      case 'TCP_NODELAY':
        f.config.nagle = v === 0;
        // Linux pushes what waits, cork or not (TCP_NAGLE_PUSH).
        if (v !== 0) f.sock?.withConnection((c, now) => c.pushPending(now, true));
        break;
      case 'TCP_MAXSEG': f.config.mss = v; break;
      case 'TCP_INQ': f.inq = v !== 0; break;
      // ip(7): the TOS byte of the socket's packets from now on. Linux keeps the two ECN bits its own (the
      // model sends no ECN, so they stay 0).
      case 'IP_TOS':
        f.tos = v & 0xfc;
        if (f.sock) f.sock.ipTos = f.tos;
        if (f.server) f.server.ipTos = f.tos;
        break;
      // Path MTU discovery is not modelled (tcpemu has no ICMP); the setting is kept for getsockopt.
      case 'IP_MTU_DISCOVER':
        if (v < 0 || v > 5) return () => ({ result: -1, errno: 'EINVAL' });
        f.pmtudisc = v;
        break;
      case 'TCP_USER_TIMEOUT':
        if (v < 0) return () => ({ result: -1, errno: 'EINVAL' });
        f.userTimeoutMs = v;
        f.sock?.withConnection((c) => {
          c.userTimeout = v > 0 ? new UserTimeout(v) : undefined;
        });
        break;
      // RFC 7413 on Linux: a listener's Fast Open queue length (lib/host/socket.ts SimServer.fastOpenMaxQueue).
      case 'TCP_FASTOPEN':
        if (f.sock) return () => ({ result: -1, errno: 'EINVAL' });
        f.fastOpenQlen = v;
        this.fastOpenListener(f);
        break;
      case 'TCP_FASTOPEN_CONNECT':
        if (f.sock) return () => ({ result: -1, errno: 'EISCONN' });
        f.fastOpenConnect = v !== 0;
        break;
      // Linux's tcp_set_window_clamp: 0 (no clamp) only on a closed socket; else at least half of SOCK_MIN_RCVBUF
      // (2048 bytes and an sk_buff: about 1152).
      case 'TCP_WINDOW_CLAMP': {
        if (v < 0 || (v === 0 && (f.sock || f.server))) return () => ({ result: -1, errno: 'EINVAL' });
        f.windowClamp = v === 0 ? Infinity : Math.max(SOCK_MIN_RCVBUF / 2, v);
        const clamp = f.windowClamp;
        f.sock?.withConnection((c) => {
          c.windowClamp = clamp;
        });
        break;
      }
      // Linux's do_tcp_setsockopt: 0 or 1, on a socket not yet connected (CLOSE or LISTEN).
      case 'TCP_FASTOPEN_NO_COOKIE':
        if (v < 0 || v > 1 || f.sock) return () => ({ result: -1, errno: 'EINVAL' });
        f.fastOpenNoCookie = v === 1;
        this.fastOpenListener(f);
        break;
      // The listener's own key (16 bytes), or key and backup key (32), as the string's bytes; any other length is EINVAL.
      case 'TCP_FASTOPEN_KEY': {
        const bytes = Buffer.from(arg?.kind === 'str' ? arg.value : '', 'latin1');
        const len = value(ev.args[4]) ?? bytes.length;
        if ((len !== 16 && len !== 32) || bytes.length < len) return () => ({ result: -1, errno: 'EINVAL' });
        f.fastOpenKeys = [bytes.subarray(0, 16), len === 32 ? bytes.subarray(16, 32) : undefined];
        this.fastOpenListener(f);
        break;
      }
      case 'TCP_CORK':
        f.cork = v !== 0;
        f.sock?.withConnection((c, now) => {
          c.sendHold().corked = f.cork;
          // Uncorking sends what waits: at once with TCP_NODELAY, else as Nagle allows (Linux's __tcp_sock_set_cork).
          if (!f.cork) c.pushPending(now, !c.config.nagle);
        });
        break;
    }
    return () => ({ result: 0 });
  }

  private getsockopt(ev: SyscallEvent, f: Fd): () => CallOutcome | undefined {
    const opt = ev.args[2]?.kind === 'sym' ? ev.args[2].name : '';
    const want = value(ev.args[3]);
    return () => {
      let v = 0;
      const conn = f.sock?.connection;
      switch (opt) {
        case 'SO_RCVBUF': v = f.config.rcvbuf; break;
        case 'SO_SNDBUF': v = f.config.sndbuf; break;
        case 'TCP_NODELAY': v = f.config.nagle ? 0 : 1; break;
        case 'TCP_CORK': v = f.cork ? 1 : 0; break;
        case 'TCP_INQ': v = f.inq ? 1 : 0; break;
        case 'TCP_USER_TIMEOUT': v = f.userTimeoutMs; break;
        case 'IP_TOS': v = f.tos; break;
        case 'IP_MTU_DISCOVER': v = f.pmtudisc; break;
        case 'TCP_FASTOPEN': v = f.fastOpenQlen; break;
        case 'TCP_FASTOPEN_CONNECT': v = f.fastOpenConnect ? 1 : 0; break;
        case 'TCP_FASTOPEN_NO_COOKIE': v = f.fastOpenNoCookie ? 1 : 0; break;
        // A socket with no connection: TCP_CLOSE (7), or TCP_LISTEN (10) for a listener, and zeros.
        case 'TCP_INFO': v = conn ? tcpInfoFirstWord(conn) | 0 : f.server ? 10 : 7; break;
        case 'SO_REUSEADDR': v = 1; break;
        case 'SO_ERROR': v = 0; break;
        // Before the handshake, what was set, else 536 (TCP_MSS_DEFAULT); after it, the MSS the connection sends with.
        case 'TCP_MAXSEG': v = conn && conn.isSynchronized() ? conn.effMss : f.config.mss !== this.config.mss ? f.config.mss : 536; break;
      }
      if (want !== undefined && want !== v) return { result: 0, mismatch: { key: 'pd.r.getsockopt', params: { expected: want, actual: v } } };
      return { result: 0 };
    };
  }
}
