import path from 'node:path';
import { readCapture } from '../wire/pcap.ts';
import { decodePacket } from '../wire/tcp.ts';
import { WireError } from '../wire/errors.ts';
import { formatAddr } from '../wire/ipv4.ts';
import { TraceRecorder } from './recorder.ts';
import type { TraceEvent } from './events.ts';
import { VERSION } from '../version.ts';

/**
 * A capture as trace events, so that every view (ladder, states, summary, the HTML report) draws
 * captures as it draws runs. Each endpoint (addr:port) is a host; a captured packet was seen on the
 * wire once, so it becomes a `tx` by its sender and an `rx` by its receiver at the same instant.
 * Times are relative to the first packet. Unfinished loopback checksums are accepted (offload).
 */
export function traceFromCapture(buf: Buffer, file: string): TraceEvent[] {
  const cap = readCapture(buf, file);
  const clock = { now: 0 };
  const rec = new TraceRecorder(clock, { timers: false, congestion: false });
  const t0 = cap.packets.length > 0 ? cap.packets[0].timeMs : 0;
  for (const p of cap.packets) {
    let decoded;
    try {
      decoded = decodePacket(p.ip, { verifyChecksum: 'allow-partial' });
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      // Not TCP, or damaged: a capture may hold other traffic; it is not part of the conversation.
      continue;
    }
    const { ip, tcp } = decoded;
    clock.now = Math.max(0, p.timeMs - t0);
    const from = `${formatAddr(ip.src)}:${tcp.srcPort}`;
    const to = `${formatAddr(ip.dst)}:${tcp.dstPort}`;
    rec.events.push(rec.segmentEvent('tx', from, undefined, ip.src, ip.dst, tcp));
    rec.events.push(rec.segmentEvent('rx', to, undefined, ip.src, ip.dst, tcp));
  }
  return [{ type: 'meta', scenario: path.basename(file), seed: 0, version: VERSION, source: '' }, ...rec.events];
}
