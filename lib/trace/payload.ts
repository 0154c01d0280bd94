/**
 * The bytes segments carried (issue 26). A trace records each segment's length, not its bytes (a bulk
 * run would double in size); the views that show text take the bytes from the packets of the same run
 * (`runScenario(plan, { capture: true })`) or of a capture, looked up by a segment's addresses,
 * sequence number and length.
 */
import { decodePacket } from '../wire/tcp.ts';
import { formatAddr } from '../wire/ipv4.ts';
import { WireError } from '../wire/errors.ts';
import type { AppEvent, SegmentEvent, TraceEvent } from './events.ts';

export type SegmentKey = Pick<SegmentEvent, 'src' | 'dst' | 'seq' | 'len'>;

/** Payloads by segment, and each direction's byte stream as far as segments carried it. */
export class Payloads {
  private readonly bySegment = new Map<string, Uint8Array>();

  static fromPackets(packets: readonly { packet: Buffer }[]): Payloads {
    const p = new Payloads();
    for (const { packet } of packets) {
      let decoded;
      try {
        decoded = decodePacket(packet, { verifyChecksum: 'allow-partial' });
      } catch (err) {
        if (err instanceof WireError) continue;
        throw err;
      }
      const { ip, tcp } = decoded;
      if (tcp.payload.length === 0) continue;
      const key = keyOf({ src: `${formatAddr(ip.src)}:${tcp.srcPort}`, dst: `${formatAddr(ip.dst)}:${tcp.dstPort}`, seq: tcp.seq, len: tcp.payload.length });
      if (!p.bySegment.has(key)) p.bySegment.set(key, Uint8Array.from(tcp.payload));
    }
    return p;
  }

  get size(): number {
    return this.bySegment.size;
  }

  /** The bytes a segment carried, when known. */
  of(s: SegmentKey): Uint8Array | undefined {
    return s.len === 0 ? undefined : this.bySegment.get(keyOf(s));
  }

  /**
   * What each application `send` wrote and each `data` read, in stream order: the bytes of the host's
   * connection's outgoing (send) or incoming (data) stream at that point, when segments carried them.
   */
  appBytes(events: readonly TraceEvent[]): Map<AppEvent, Uint8Array> {
    const out = new Map<AppEvent, Uint8Array>();
    // Each direction's stream, by relative sequence number (byte 1 is the first after the SYN).
    const streams = new Map<string, Map<number, number>>();
    const dirOf = new Map<string, { tx: string; rx: string }>();
    for (const ev of events) {
      if (ev.type !== 'segment' || ev.event !== 'tx' || ev.conn === undefined) continue;
      const ck = `${ev.host}\u0000${ev.conn}`;
      if (!dirOf.has(ck)) dirOf.set(ck, { tx: `${ev.src}>${ev.dst}`, rx: `${ev.dst}>${ev.src}` });
      const bytes = this.of(ev);
      if (bytes === undefined) continue;
      const dir = `${ev.src}>${ev.dst}`;
      let st = streams.get(dir);
      if (!st) streams.set(dir, (st = new Map()));
      for (let i = 0; i < bytes.length; i++) if (!st.has(ev.rseq + i)) st.set(ev.rseq + i, bytes[i]!);
    }
    const offsets = new Map<string, number>();
    for (const ev of events) {
      if (ev.type !== 'app' || (ev.event !== 'send' && ev.event !== 'data') || ev.bytes === undefined) continue;
      const dirs = dirOf.get(`${ev.host}\u0000${ev.conn}`);
      if (!dirs) continue;
      const dir = ev.event === 'send' ? dirs.tx : dirs.rx;
      // The writer's and the reader's positions in one stream are apart: each counts its own bytes.
      const at = `${dir}|${ev.event}`;
      const start = offsets.get(at) ?? 1;
      offsets.set(at, start + ev.bytes);
      const st = streams.get(dir);
      if (!st) continue;
      const bytes = new Uint8Array(ev.bytes);
      let whole = true;
      for (let i = 0; i < ev.bytes && whole; i++) {
        const b = st.get(start + i);
        if (b === undefined) whole = false;
        else bytes[i] = b;
      }
      if (whole && ev.bytes > 0) out.set(ev, bytes);
    }
    return out;
  }
}

function keyOf(s: SegmentKey): string {
  return `${s.src}>${s.dst}#${s.seq}+${s.len}`;
}

/** The longest preview, in characters (a wide character counts as one). */
export const PREVIEW_CHARS = 24;

/**
 * A short, escaped preview of bytes as text, in double quotes the way a scenario's `send "..."` writes
 * them: UTF-8 decoded (`"你好"`, not six bytes), control characters escaped (`\n`, `\u0001`), cut
 * after `max` characters with `…`. Bytes that are not UTF-8 text show as `<N bytes>` with their first
 * ones in hex.
 */
export function previewText(bytes: Uint8Array, max = PREVIEW_CHARS): string {
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    const head = [...bytes.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return `<${bytes.length} B: ${head}${bytes.length > 8 ? ' …' : ''}>`;
  }
  const chars = [...text];
  const cut = chars.length > max;
  return `"${chars.slice(0, max).map(escapeChar).join('')}${cut ? '…' : ''}"`;
}

/** The whole payload as text (escaped, unquoted) or undefined when it is not text. */
export function fullText(bytes: Uint8Array): string | undefined {
  const text = decodeUtf8(bytes);
  return text === undefined ? undefined : [...text].map(escapeChar).join('');
}

/** The payload in hex, 16 bytes a line with their offset. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = [...bytes.slice(off, off + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${off.toString(16).padStart(4, '0')}  ${row}`);
  }
  return lines.join('\n');
}

/**
 * UTF-8 text, or undefined when the bytes are not text. A segment may cut a character in two: an
 * incomplete sequence at either end is shown as `�` rather than calling the whole payload binary.
 */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  if (bad > 3 || bad * 8 > text.length) return undefined;
  // Mostly control characters (other than tab, newline, return): binary data.
  const ctl = (text.match(/[\u0000-\u0008\u000e-\u001f\u007f]/g) ?? []).length;
  if (ctl * 4 > text.length) return undefined;
  return text;
}

function escapeChar(c: string): string {
  switch (c) {
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
    case '"': return '\\"';
    case '\\': return '\\\\';
  }
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return `\\u${code.toString(16).padStart(4, '0')}`;
  return c;
}
