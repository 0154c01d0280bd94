/**
 * `link: inject ...` (lib/scenario/inject.ts) on the kernel's side of `tcpemu real`: the parent carries
 * every packet between the namespaces, so it knows each direction of each connection as the wire shows
 * it (its initial sequence number from the SYN, the highest sequence sent, the last acknowledgment,
 * window and timestamps) and builds the forged segment from that, as the model builds it from the
 * sender's connection (Connection.headerNow). Numbers are relative to the two ISNs, or absolute with `abs`;
 * a field left out takes what the real sender last put on the wire.
 */
import type { InjectPlan } from '../scenario/inject.ts';
import { ACK, FIN, SYN, timestampsOption, type TcpSegment } from '../wire/tcp-types.ts';
import { encodePacket } from '../wire/tcp.ts';

/** One direction of a connection, as its packets showed it. */
interface Direction {
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  isn?: number;
  /** The sequence number after the highest byte (or SYN/FIN) sent. */
  sndMax?: number;
  ack?: number;
  window: number;
  /** The window shift this side announced in its SYN (applies once both SYNs carried one). */
  wscale?: number;
  ts?: { tsval: number; tsecr: number };
  /** Order of first sight: the newest connection wins. */
  order: number;
}

const seqAfter = (a: number, b: number) => ((a - b) | 0) > 0;

export class FlowBook {
  private readonly dirs = new Map<string, Direction>();
  private n = 0;

  /** A packet the parent carried (decoded): what its direction now shows. */
  saw(src: number, dst: number, seg: TcpSegment): void {
    const key = `${src}:${seg.srcPort}>${dst}:${seg.dstPort}`;
    let d = this.dirs.get(key);
    if (!d || ((seg.flags & SYN) !== 0 && d.isn !== undefined && d.isn !== seg.seq)) {
      d = { src, srcPort: seg.srcPort, dst, dstPort: seg.dstPort, window: 0xffff, order: ++this.n };
      this.dirs.set(key, d);
    }
    if (seg.flags & SYN) {
      d.isn = seg.seq;
      const ws = seg.options.find((o) => o.kind === 'wscale');
      d.wscale = ws && ws.kind === 'wscale' ? ws.shift : undefined;
    }
    const end = (seg.seq + seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0)) >>> 0;
    if (d.sndMax === undefined || seqAfter(end, d.sndMax)) d.sndMax = end;
    if (seg.flags & ACK) d.ack = seg.ack;
    d.window = seg.window;
    const ts = timestampsOption(seg.options);
    d.ts = ts ? { tsval: ts.tsval, tsecr: ts.tsecr } : undefined;
  }

  private reverse(d: Direction): Direction | undefined {
    return this.dirs.get(`${d.dst}:${d.dstPort}>${d.src}:${d.srcPort}`);
  }

  /** The newest direction from `src` to `dst` (ports when given). */
  private find(src: number, srcPort: number | undefined, dst: number, dstPort: number | undefined): Direction | undefined {
    let best: Direction | undefined;
    for (const d of this.dirs.values()) {
      if (d.src !== src || d.dst !== dst || (srcPort !== undefined && d.srcPort !== srcPort) || (dstPort !== undefined && d.dstPort !== dstPort)) continue;
      if (!best || d.order > best.order) best = d;
    }
    return best;
  }

  /**
   * The forged packet (and its segment, for the trace), or why it cannot be made. Its numbers come from
   * the connection FROM > TO: FROM's own direction when FROM is a host that has one, else TO's mirrored
   * (what TO expects next is what its peer would send now).
   */
  forge(spec: InjectPlan): { packet: Buffer; seg: TcpSegment } | string {
    if (spec.conn !== undefined) return `a connection named by @${spec.conn} cannot be picked out on the kernel's side; leave it out`;
    const mine = this.find(spec.from.addr, spec.from.port, spec.to.addr, spec.to.port);
    const theirs = mine ? this.reverse(mine) : this.find(spec.to.addr, spec.to.port, spec.from.addr, spec.from.port);
    if (!mine && !theirs && (spec.from.port === undefined || spec.to.port === undefined)) {
      return `no connection between ${spec.from.host ?? 'that address'} and ${spec.to.host} to take the ports from: write them`;
    }
    const found = mine ?? (theirs ? this.reverse(theirs) : undefined);
    const syn = (spec.flags & SYN) !== 0;
    const iss = mine?.isn ?? 0;
    const irs = theirs?.isn ?? 0;
    // What FROM would send now: its highest sequence (or what TO acknowledged), its last ack (or TO's next).
    const seqNow = mine?.sndMax ?? theirs?.ack ?? 0;
    const ackNow = mine?.ack ?? theirs?.sndMax ?? 0;
    const scale = mine?.wscale !== undefined && theirs?.wscale !== undefined ? mine.wscale : 0;
    const ts = mine?.ts ?? (theirs?.ts ? { tsval: theirs.ts.tsecr, tsecr: theirs.ts.tsval } : undefined);
    const rel = !spec.abs && (mine !== undefined || theirs !== undefined);
    const seg: TcpSegment = {
      srcPort: spec.from.port ?? found?.srcPort ?? theirs!.dstPort,
      dstPort: spec.to.port ?? found?.dstPort ?? theirs!.srcPort,
      seq: spec.seq === undefined ? seqNow : (rel ? iss + spec.seq : spec.seq) >>> 0,
      ack: spec.ack === undefined ? (spec.flags & ACK ? ackNow : 0) : (rel ? irs + spec.ack : spec.ack) >>> 0,
      flags: spec.flags,
      // RFC 7323 2.2: a SYN's window is never scaled.
      window: spec.win === undefined ? (mine?.window ?? 0xffff) : Math.min(0xffff, syn ? spec.win : spec.win >>> scale),
      urgent: 0,
      options: spec.options ?? (ts && !syn ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', ...ts }] : []),
      payload: forgedPayload(spec.len ?? 0),
    };
    return { packet: encodePacket(spec.from.addr, spec.to.addr, seg), seg };
  }
}

/** A forged payload: "forged" over and over, as the model's (lib/scenario/inject.ts). */
function forgedPayload(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 'forged'.charCodeAt(i % 6);
  return b;
}
