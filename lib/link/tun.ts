import { closeSync, readFileSync, readSync, writeSync } from 'node:fs';
import { PROTO_TCP } from '../wire/ipv4.ts';
import { LinkError, newLinkStats, type LinkDropObserver, type LinkStats } from './common.ts';

/**
 * The TUN link: the model's IPv4 packets go to the operating system's own network stack through a
 * TUN device, one packet per write() on its file descriptor, and the packets the kernel routes to the
 * device come back one per read(). The same bytes Host.transmit hands the in-memory and UDP links;
 * the TCP on the other side is the kernel's.
 *
 * The descriptor comes already attached to a device (Node cannot issue the TUNSETIFF ioctl:
 * lib/real/tun-helper.py opens it, sets IFF_TUN | IFF_NO_PI, and starts Node with it as fd 3), and
 * must be non-blocking: a blocking read() parked in a libuv threadpool thread cannot be cancelled, and
 * Node then hangs at exit, process.exit() included (measured on Node 20; closing the descriptor does
 * not wake the read either). So the link polls: every `pollMs` it reads until EAGAIN (at most
 * `maxPerPoll` packets, so a flood cannot starve the event loop), and once more right after each
 * send, since the kernel often answers within the write() itself. Closing is immediate: stop the
 * timer, close the descriptor.
 *
 * What the kernel routes to the device is not all TCP: IPv6 (if left on), ICMP, UDP. The link hands
 * the receiver IPv4 packets carrying TCP only and counts the rest; the Host decodes, verifies the
 * checksums and demultiplexes as it does on every link.
 */

export type TunDropReason =
  | 'not-ipv4' // IPv6 (neighbour discovery, MLD) or anything else that is not IPv4
  | 'not-tcp' // IPv4 but ICMP, UDP...
  | 'short' // shorter than an IPv4 header
  | 'send-error' // write() refused the packet
  | 'closed'; // sent after close

export const TUN_DROP_REASONS: readonly TunDropReason[] = ['not-ipv4', 'not-tcp', 'short', 'send-error', 'closed'];

/** `sent`: packets written to the device; `received`: packets read from it. */
export interface TunLinkStats extends LinkStats<TunDropReason> {
  /** Timer wake-ups that read the device (each reads until EAGAIN). */
  polls: number;
}

export interface TunLinkObserver extends LinkDropObserver<TunDropReason> {
  /** A packet read from the device, about to be handed to the receiver. */
  onDeliver?(packet: Buffer): void;
  /** A packet written to the device. */
  onSend?(packet: Buffer): void;
}

export interface TunLinkOptions {
  /** The TUN device's descriptor, non-blocking (3 when started by lib/real/tun-helper.py). */
  fd: number;
  /** How often to look for packets when none is waiting (ms). Default 1. */
  pollMs?: number;
  /** Most packets read in one go. Default 256. */
  maxPerPoll?: number;
  observer?: TunLinkObserver;
}

/** The descriptor cannot serve as a TUN link (blocking, not a TUN device): a user-facing reason. */
export class TunLinkError extends LinkError {
  override name = 'TunLinkError';
}

const O_NONBLOCK = 0o4000;
/** The largest IPv4 packet: one read never returns more. */
const MAX_PACKET = 65535;

/**
 * What /proc says of the descriptor: its open flags and the TUN device it is attached to (Linux
 * prints `iff:` in fdinfo for a TUN descriptor). Undefined where /proc is not there to ask.
 */
export function tunFdInfo(fd: number): { nonBlocking: boolean; device: string | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
  } catch {
    return undefined;
  }
  const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(text)?.[1] ?? '0', 8);
  return { nonBlocking: (flags & O_NONBLOCK) !== 0, device: /^iff:\s*(\S+)/m.exec(text)?.[1] };
}

export class TunLink {
  readonly stats: TunLinkStats;
  /** The device's name, when /proc tells it. */
  readonly device: string | undefined;
  private readonly fd: number;
  private readonly pollMs: number;
  private readonly maxPerPoll: number;
  private readonly observer: TunLinkObserver;
  private readonly buf = Buffer.allocUnsafe(MAX_PACKET);
  private receiver: ((packet: Buffer) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private closed = false;

  private constructor(o: TunLinkOptions, device: string | undefined) {
    this.fd = o.fd;
    this.device = device;
    this.pollMs = o.pollMs ?? 1;
    this.maxPerPoll = o.maxPerPoll ?? 256;
    this.observer = o.observer ?? {};
    this.stats = { ...newLinkStats(TUN_DROP_REASONS), polls: 0 };
  }

  /** Check the descriptor and start reading. Throws TunLinkError for a blocking or non-TUN descriptor. */
  static open(o: TunLinkOptions): TunLink {
    const info = tunFdInfo(o.fd);
    if (info && !info.nonBlocking) {
      throw new TunLinkError('EBLOCKING', `fd ${o.fd} is in blocking mode: open the TUN device with O_NONBLOCK (lib/real/tun-helper.py does), since a blocking read cannot be stopped and keeps Node from exiting`);
    }
    if (info && info.device === undefined) {
      throw new TunLinkError('ENOTTUN', `fd ${o.fd} is not attached to a TUN device (no "iff:" in /proc/self/fdinfo/${o.fd}); start the program through lib/real/tun-helper.py`);
    }
    const link = new TunLink(o, info?.device);
    link.schedule();
    return link;
  }

  /** Who gets the IPv4/TCP packets read (Host.receivePacket, usually). Until set they are counted and dropped. */
  setReceiver(fn: (packet: Buffer) => void): void {
    this.receiver = fn;
  }

  /** Write one IPv4 packet to the device. */
  send(packet: Buffer): void {
    if (this.closed) return this.drop(packet, 'closed', 'send', 'link closed');
    try {
      writeSync(this.fd, packet);
    } catch (err) {
      return this.drop(packet, 'send-error', 'send', (err as NodeJS.ErrnoException).code ?? String(err));
    }
    this.stats.sent++;
    this.stats.bytesSent += packet.length;
    this.observer.onSend?.(packet);
    // The kernel usually has its answer queued before write() returns: read it without waiting a tick.
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      this.readAll();
    });
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.stats.polls++;
      this.readAll();
      this.schedule();
    }, this.pollMs);
  }

  /** Reads what the device holds now, without waiting for the next poll. */
  pollNow(): void {
    if (!this.closed) this.readAll();
  }

  private readAll(): void {
    for (let i = 0; i < this.maxPerPoll && !this.closed; i++) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        throw err; // EBADF and the like: the descriptor was closed under us, a bug
      }
      // Copy: the receiver may keep the packet (a trace, a queue) and the buffer is reused.
      this.onPacket(Buffer.from(this.buf.subarray(0, n)));
    }
  }

  private onPacket(packet: Buffer): void {
    const s = this.stats;
    s.received++;
    s.bytesReceived += packet.length;
    if (packet.length === 0 || packet[0] >> 4 !== 4) return this.drop(packet, 'not-ipv4', 'receive', `IP version ${packet.length ? packet[0] >> 4 : '?'}`);
    if (packet.length < 20) return this.drop(packet, 'short', 'receive', `${packet.length} bytes`);
    if (packet[9] !== PROTO_TCP) return this.drop(packet, 'not-tcp', 'receive', `IP protocol ${packet[9]}`);
    s.delivered++;
    this.observer.onDeliver?.(packet);
    this.receiver?.(packet);
  }

  private drop(packet: Buffer, reason: TunDropReason, side: 'send' | 'receive', detail: string): void {
    this.stats.dropped[reason]++;
    this.observer.onDrop?.(packet, reason, side, detail);
  }

  /** Stop reading and close the descriptor (the kernel then deletes a non-persistent device). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = undefined;
    this.soon = undefined;
    closeSync(this.fd);
  }
}
