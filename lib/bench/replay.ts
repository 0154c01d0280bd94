import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pcapHeader, readCapture } from '../wire/pcap.ts';
import { decodePacket } from '../wire/tcp.ts';
import { simBulk, simLifecycle } from './sim.ts';

/**
 * The replay case: a capture written by tcpemu itself, read back through lib/wire (readCapture, then
 * decodePacket on every packet, checksums verified as a replay of a real capture must), and each
 * packet counted into a conversation table, which is the work `tshark -q -z conv,tcp` does too.
 */

/** Writes classic pcap as packets come, in 8 MiB slabs, so a million packets never sit in memory. */
class StreamingPcap {
  private readonly fd: number;
  private slab = Buffer.allocUnsafe(8 << 20);
  private used = 0;
  packets = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, pcapHeader());
  }

  write(timeMs: number, packet: Buffer): void {
    const need = 16 + packet.length;
    if (this.used + need > this.slab.length) this.flush();
    const b = this.slab;
    const o = this.used;
    const micros = Math.round(timeMs * 1000);
    b.writeUInt32LE(Math.floor(micros / 1e6), o);
    b.writeUInt32LE(micros % 1e6, o + 4);
    b.writeUInt32LE(packet.length, o + 8);
    b.writeUInt32LE(packet.length, o + 12);
    packet.copy(b, o + 16);
    this.used += need;
    this.packets++;
  }

  private flush(): void {
    if (this.used > 0) writeSync(this.fd, this.slab, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * At least `packets` packets into `path`: connection lives (handshake, 1 kB each way, teardown: many
 * small packets and many conversations) and, for a tenth of the packets, a bulk transfer at MSS 1460.
 * Checksums are computed: a capture is where they can be observed.
 */
export function generateCapture(path: string, packets: number): { packets: number; bytes: number } {
  const out = new StreamingPcap(path);
  let clock = 0;
  const capture = (t: number, p: Buffer) => out.write(clock + t, p);
  // About 8 packets a connection life.
  const lives = Math.ceil((packets * 0.9) / 8);
  simLifecycle({ connections: lives, bytes: 1000, gapMs: 0.1, delayMs: 0.05, mslMs: 10, capture });
  clock += lives * 0.1 + 1000;
  while (out.packets < packets) {
    const left = packets - out.packets;
    // A bulk transfer sends about 1.5 packets per 1448-byte data segment (an ACK every second one).
    simBulk({ bytes: Math.max(1448, Math.ceil(left / 1.5) * 1448), mss: 1460, buffer: 1 << 20, capture });
  }
  out.close();
  return { packets: out.packets, bytes: statSync(path).size };
}

export interface DecodeResult {
  packets: number;
  conversations: number;
  wallMs: number;
}

/** Read the file and decode every packet, tallying conversations by their 4-tuple (either direction). */
export function decodeCapture(path: string): DecodeResult {
  const t0 = performance.now();
  const cap = readCapture(readFileSync(path), path);
  const conv = new Map<string, { packets: number; bytes: number }>();
  for (const p of cap.packets) {
    const { ip, tcp } = decodePacket(p.ip, { verifyChecksum: 'allow-partial' });
    const a = ip.src < ip.dst || (ip.src === ip.dst && tcp.srcPort <= tcp.dstPort);
    const key = a ? `${ip.src}:${tcp.srcPort}>${ip.dst}:${tcp.dstPort}` : `${ip.dst}:${tcp.dstPort}>${ip.src}:${tcp.srcPort}`;
    let c = conv.get(key);
    if (!c) conv.set(key, (c = { packets: 0, bytes: 0 }));
    c.packets++;
    c.bytes += p.ip.length;
  }
  return { packets: cap.packets.length, conversations: conv.size, wallMs: performance.now() - t0 };
}

export interface TsharkResult {
  wallMs: number;
  /** Conversations tshark listed (undefined when it was stopped at the time limit). */
  conversations: number | undefined;
  /** Stopped at the time limit: wallMs is then a lower bound of what tshark would take. */
  timedOut: boolean;
}

/**
 * `tshark -r FILE -q -z conv,tcp`, timed, stopped after `limitMs` (its conversation table grows
 * slower than linearly with many conversations: a million packets would take many minutes, and the
 * whole benchmark must stay under three); undefined when tshark is not installed.
 */
export function runTshark(path: string, limitMs = Infinity): TsharkResult | undefined {
  const t0 = performance.now();
  const r = spawnSync('tshark', ['-n', '-r', path, '-q', '-z', 'conv,tcp'], {
    encoding: 'utf8', maxBuffer: 1 << 30, ...(Number.isFinite(limitMs) ? { timeout: limitMs, killSignal: 'SIGKILL' as const } : {}),
  });
  const wallMs = performance.now() - t0;
  if (r.signal === 'SIGKILL' && Number.isFinite(limitMs)) return { wallMs, conversations: undefined, timedOut: true };
  if (r.error || r.status !== 0) return undefined;
  // Conversation lines are "A:p <-> B:q  ...".
  const conversations = r.stdout.split('\n').filter((l) => l.includes('<->')).length;
  return { wallMs, conversations, timedOut: false };
}
