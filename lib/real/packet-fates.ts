/**
 * Issue 31, segment by segment: the link gives the n-th packet of a direction the n-th fate on both sides
 * (same seed), so the model and the kernel lose the same segment exactly when their n-th packets are the
 * same segment. This lines up each sender's packets, in the order it sent them, model against kernel:
 * how many lead alike, the first where they part, and for each packet the link dropped (on either side)
 * what each side's packet at that place was. A retransmission that only one side sent (retransmits.ts)
 * is then explained by a drop that hit other bytes on the two sides, and that by where the two parted.
 *
 * A packet is compared by what it carries, not when: its sequence range with SYN and FIN (data or
 * control), or, for a pure ACK, the number it acknowledges; PSH and the window are left aside (they do not
 * change which bytes the fates hit). A host's directions are told apart by the order of its peers (the
 * model's and the kernel's addresses may differ).
 */
import type { SegmentEvent, TraceEvent } from '../trace/events.ts';
import { msg, type Lang } from '../i18n/index.ts';

/** What a packet carries, as compared: "27513:28961", "SYN 0:1", "FIN 204801:204802", "ack 1449". */
function carries(e: SegmentEvent): string {
  const n = e.len + (e.flags.includes('S') ? 1 : 0) + (e.flags.includes('F') ? 1 : 0);
  const kind = e.flags.includes('R') ? 'RST ' : e.flags.includes('S') ? 'SYN ' : e.flags.includes('F') ? 'FIN ' : '';
  return n === 0 ? `${kind}ack ${e.rack}` : `${kind}${e.rseq}:${e.rseq + n}`;
}

/** A direction's packets in sending order, and the places (0-based) of the ones the link dropped. */
interface Sent {
  packets: string[];
  dropped: Set<number>;
}

const peerOf = (e: SegmentEvent) => e.dst.slice(0, e.dst.lastIndexOf(':'));

/** Per direction of `host` (its 1st, 2nd ... peer): the packets it sent and which of them were dropped. */
function sentBy(events: readonly TraceEvent[], host: string): Sent[] {
  const peers = new Map<string, Sent>();
  // The last place of each exact packet, so that a drop finds the packet it took (it follows its tx).
  const lastAt = new Map<string, number>();
  const exact = (e: SegmentEvent) => `${e.src}>${e.dst} ${e.flags} ${e.seq} ${e.ack} ${e.len}`;
  for (const e of events) {
    if (e.type !== 'segment' || e.host !== host || e.forged) continue;
    if (e.event === 'tx') {
      let d = peers.get(peerOf(e));
      if (!d) peers.set(peerOf(e), (d = { packets: [], dropped: new Set() }));
      lastAt.set(exact(e), d.packets.length);
      d.packets.push(carries(e));
    } else if (e.event === 'drop') {
      const at = lastAt.get(exact(e));
      if (at !== undefined) peers.get(peerOf(e))?.dropped.add(at);
    }
  }
  return [...peers.values()];
}

export interface DropPlace {
  /** The packet's place in its direction, 1-based. */
  n: number;
  /** What each side's packet there carried, and whether the link dropped it on that side. */
  model?: string;
  kernel?: string;
  modelDropped: boolean;
  kernelDropped: boolean;
}

export interface DirectionFates {
  host: string;
  /** The host's n-th peer (1-based). */
  peer: number;
  model: number;
  kernel: number;
  /** Packets alike from the first on. */
  alike: number;
  /** The first place (1-based) where they differ, when one does within both lists. */
  parting?: { n: number; model?: string; kernel?: string };
  drops: DropPlace[];
}

export function comparePacketFates(hosts: readonly string[], model: readonly TraceEvent[], kernel: readonly TraceEvent[]): DirectionFates[] {
  const out: DirectionFates[] = [];
  for (const host of hosts) {
    const ms = sentBy(model, host);
    const ks = sentBy(kernel, host);
    for (let i = 0; i < Math.max(ms.length, ks.length); i++) {
      const m = ms[i] ?? { packets: [], dropped: new Set<number>() };
      const k = ks[i] ?? { packets: [], dropped: new Set<number>() };
      let alike = 0;
      while (alike < m.packets.length && alike < k.packets.length && m.packets[alike] === k.packets[alike]) alike++;
      const longer = Math.max(m.packets.length, k.packets.length);
      const parting = alike < longer ? { n: alike + 1, model: m.packets[alike], kernel: k.packets[alike] } : undefined;
      const places = [...new Set([...m.dropped, ...k.dropped])].sort((a, b) => a - b);
      const drops = places.map((p) => ({ n: p + 1, model: m.packets[p], kernel: k.packets[p], modelDropped: m.dropped.has(p), kernelDropped: k.dropped.has(p) }));
      out.push({ host, peer: i + 1, model: m.packets.length, kernel: k.packets.length, alike, parting, drops });
    }
  }
  return out;
}

/** A drop hit the same segment on both sides. */
export const sameDrop = (d: DropPlace) => d.modelDropped && d.kernelDropped && d.model === d.kernel;

const LIST = 8;

function dropText(d: DropPlace, lang: Lang): string {
  if (sameDrop(d)) return msg(lang, 'real.pf.dropBoth', { n: d.n, what: d.model ?? '' });
  const side = (what: string | undefined, dropped: boolean) => (what === undefined ? '—' : dropped ? what : msg(lang, 'real.pf.kept', { what }));
  return msg(lang, 'real.pf.dropDiff', { n: d.n, model: side(d.model, d.modelDropped), kernel: side(d.kernel, d.kernelDropped) });
}

/** The lines of real's output after the retransmissions: per direction that lost anything on either side. */
export function renderPacketFates(fates: readonly DirectionFates[], lang: Lang = 'en'): string[] {
  const shown = fates.filter((f) => f.drops.length > 0);
  if (shown.length === 0) return [];
  const out = [msg(lang, 'real.pf.title')];
  for (const f of shown) {
    const who = f.peer > 1 ? `${f.host} (#${f.peer})` : f.host;
    const same = f.drops.filter(sameDrop).length;
    const parting = f.parting
      ? msg(lang, 'real.pf.parting', { n: f.parting.n, model: f.parting.model ?? '—', kernel: f.parting.kernel ?? '—' })
      : msg(lang, 'real.pf.noParting');
    out.push(msg(lang, 'real.pf.host', { host: who, model: f.model, kernel: f.kernel, alike: f.alike, parting, drops: f.drops.length, same }));
    const list = f.drops.slice(0, LIST).map((d) => dropText(d, lang)).join(' · ');
    out.push(`      ${f.drops.length > LIST ? msg(lang, 'real.rtx.more', { shown: list, n: f.drops.length - LIST }) : list}`);
  }
  return out;
}
