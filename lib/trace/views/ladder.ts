/**
 * The ladder diagram: two hosts as vertical lines, time flowing down, one arrow per segment,
 * labelled as tcpdump would. Every event has its row, in the order of the trace, as the HTML
 * report's ladder has (lib/report/ladder.ts): a segment that arrives before anything else happens
 * is one horizontal arrow with its arrival time by the head; one that is still on its way while
 * other things happen is bent: it leaves on its own row, runs down a lane beside the receiver's
 * column and turns into it on the row of its arrival. Two segments that cross in flight (both sent
 * before either arrives, as the FINs of a simultaneous close) are drawn crossing (┼).
 *
 * Choices:
 * - Only the first two hosts of `opts.hosts` are drawn. Lanes for more hosts would leave no room
 *   for labels at 100 columns; events of other hosts are counted in a footer line instead.
 * - A transmission is paired with the first unmatched `rx` or `drop` event of the same segment
 *   (src, dst, seq, ack, flags, len), so a retransmission pairs with its own arrival. An `rx` that
 *   pairs with nothing (the link duplicated the segment) gets its own arrow marked `(dup)`.
 * - At most MAX_LANES segments per direction are drawn bent at once; in a denser stretch (a bulk
 *   transfer's window of segments) the others are horizontal at their send time with the arrival
 *   time written by the head, as the legend says.
 * - Uppercase words beside a column are TCP states entered; lowercase ones are what the application
 *   did or saw, and timers that expired. A column starts with the state its host starts in
 *   (CLOSED, or `listen` and LISTEN for a server), as RFC 9293's figures start.
 * - The words are those of views/words.ts, shared with every other view.
 */
import type { SegmentEvent, TraceEvent } from '../events.ts';
import { displayWidth, paint, type Style } from './ansi.ts';
import { segmentLabelParts } from './label.ts';
import { appWords, appWordsTable, dropWord, sendMark, termsTable } from './words.ts';
import { expectationWhat } from '../../i18n/expect-words.ts';
import { msg, type Lang, type MessageKey } from '../../i18n/index.ts';
import { previewText, type Payloads } from '../payload.ts';

export interface LadderOptions {
  /** Host names in column order; the first two are drawn. */
  hosts: string[];
  color: boolean;
  /** Total width in terminal cells (default 100). */
  width?: number;
  /** The language of the words (default English, issue 26). */
  lang?: Lang;
  /** The bytes segments carried: arrows and application notes then show them as text (`send "你好"`). */
  payloads?: Payloads;
}

interface Cell {
  text: string;
  style: Style;
}

interface Arrow {
  kind: 'arrow';
  t: number;
  /** 0: drawn from the left column to the right one; 1: from right to left. */
  from: 0 | 1;
  senderHost: string;
  seg: SegmentEvent;
  marks: string[];
  /** The text the segment carried (`"GET /"`), shown only where the whole label still fits beside it. */
  preview?: string;
  arrivalMs?: number;
  drop?: { reason: string; atReceiver: boolean };
  /** Still travelling when the trace ended. */
  inFlight: boolean;
  /** Drawn bent: its arrival has a row of its own, and it runs down lane `lane` until then. */
  arrive?: Arrive;
  lane?: number;
}

/** The row where a bent arrow reaches its receiver (or is dropped by it). */
interface Arrive {
  kind: 'arrive';
  t: number;
  arrow: Arrow;
}

interface Note {
  kind: 'note';
  t: number;
  cells: [Cell | null, Cell | null];
}

type Row = Arrow | Arrive | Note;

const MARGIN_MIN = 4;
const MARGIN_MAX = 22;
const SPAN_MIN = 24;
/** Bent arrows at once per direction; each lane takes two columns. */
const MAX_LANES = 3;

const fmtMs = (t: number): string => t.toFixed(3);
const addrOf = (hostPort: string): string => hostPort.slice(0, hostPort.lastIndexOf(':'));
const segKey = (s: SegmentEvent): string => `${s.src}>${s.dst} ${s.flags} ${s.seq} ${s.ack} ${s.len}`;

function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (displayWidth(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (displayWidth(out + ch) > max - 1) break;
    out += ch;
  }
  return out + '…';
}

function flagStyle(flags: string): Style {
  if (flags.includes('R')) return 'magenta';
  if (flags.includes('S')) return 'cyan';
  if (flags.includes('F')) return 'yellow';
  return null;
}

function appText(ev: Extract<TraceEvent, { type: 'app' }>, lang: Lang, bytes?: Uint8Array): Cell {
  return { text: appWords(ev, lang, bytes !== undefined ? previewText(bytes, 16) : undefined), style: ev.event === 'error' ? 'boldRed' : null };
}

/**
 * Fits the label into `max` cells, giving up the least telling parts first: the options are
 * shortened, then the window is left out, so flags, numbers and `len` stay longest.
 */
function fitLabel(seg: SegmentEvent, marks: string[], max: number, preview?: string): string {
  if (preview !== undefined) {
    const whole = fitLabel(seg, [...marks, preview], 1000);
    if (displayWidth(whole) <= max) return whole;
  }
  const p = segmentLabelParts(seg);
  const extra = [p.tail, ...marks].filter((x) => x !== '').join(' ');
  const join = (head: string, opts: string): string => [head, opts, extra].filter((x) => x !== '').join(' ');
  const fits = (text: string): boolean => displayWidth(text) <= max;
  const full = join(p.head, p.options);
  if (fits(full)) return full;
  if (seg.options.length > 0) {
    // Whole options only, as many as fit, then an ellipsis: `<mss 1460,sackOK,…>`.
    for (let n = seg.options.length - 1; n >= 0; n--) {
      const shown = join(p.head, `<${[...seg.options.slice(0, n), '…'].join(',')}>`);
      if (fits(shown)) return shown;
    }
  }
  const headNoWin = p.head.replace(/ win \d+$/, '');
  const bare = join(headNoWin, '');
  return fits(bare) ? bare : truncate(bare, max);
}

/** The state each drawn host starts in: the `from` of its first state change. */
function startStates(events: readonly TraceEvent[], cols: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const ev of events) {
    if (ev.type === 'state' && cols.includes(ev.host) && !out.has(ev.host)) out.set(ev.host, ev.from);
  }
  return out;
}

export function renderLadder(events: readonly TraceEvent[], opts: LadderOptions): string {
  if (opts.hosts.length < 2) throw new RangeError('renderLadder needs at least two hosts');
  const width = opts.width ?? 100;
  const color = opts.color;
  const lang = opts.lang ?? 'en';
  const TERMS = termsTable(lang);
  const APP_WORDS = appWordsTable(lang);
  const appBytes = opts.payloads?.appBytes(events);
  const cols = [opts.hosts[0]!, opts.hosts[1]!] as const;
  const sideOf = (host: string): 0 | 1 | -1 => (host === cols[0] ? 0 : host === cols[1] ? 1 : -1);

  // Which host owns which address, and which hosts hold more than one connection.
  const hostOfAddr = new Map<string, string>();
  const connsOf = new Map<string, Set<string>>();
  for (const ev of events) {
    if (ev.type !== 'segment') continue;
    if (ev.event === 'tx') hostOfAddr.set(addrOf(ev.src), ev.host);
    if (ev.event === 'rx') hostOfAddr.set(addrOf(ev.dst), ev.host);
    if (ev.conn !== undefined) {
      if (!connsOf.has(ev.host)) connsOf.set(ev.host, new Set());
      connsOf.get(ev.host)!.add(ev.conn);
    }
  }
  const prefix = (host: string, conn: string | undefined): string =>
    conn !== undefined && (connsOf.get(host)?.size ?? 0) > 1 ? `${conn} ` : '';
  const hostPorts = (side: 0 | 1): string => {
    const addrs = new Set<string>();
    for (const ev of events) {
      if (ev.type !== 'segment' || ev.host !== cols[side]) continue;
      if (ev.event === 'tx') addrs.add(ev.src);
      else if (ev.event === 'rx') addrs.add(ev.dst);
    }
    if (addrs.size === 1) return ` ${[...addrs][0]}`;
    const bare = new Set([...addrs].map(addrOf));
    return bare.size === 1 ? ` ${[...bare][0]}` : '';
  };

  const rows: Row[] = [];
  const pending = new Map<string, Arrow[]>();
  const otherHosts = new Set<string>();
  let skipped = 0;
  const skip = (host: string): void => {
    skipped++;
    otherHosts.add(host);
  };
  const takePending = (seg: SegmentEvent): Arrow | undefined => {
    const list = pending.get(segKey(seg));
    const a = list?.shift();
    if (list && list.length === 0) pending.delete(segKey(seg));
    return a;
  };
  /** Side that sent `seg`, or -1 when either end is a host that is not drawn. */
  const senderSide = (seg: SegmentEvent): 0 | 1 | -1 => {
    const sender = hostOfAddr.get(addrOf(seg.src));
    const receiver = hostOfAddr.get(addrOf(seg.dst));
    if (receiver !== undefined && sideOf(receiver) === -1) return -1;
    if (sender !== undefined) return sideOf(sender);
    // Sent by no known host (an injected segment): it comes from the column opposite its receiver.
    return receiver === undefined ? -1 : sideOf(receiver) === 0 ? 1 : 0;
  };
  const forgedSide = (seg: SegmentEvent): 0 | 1 | -1 => {
    const receiver = hostOfAddr.get(addrOf(seg.dst));
    const at = receiver === undefined ? -1 : sideOf(receiver);
    return at === -1 ? -1 : at === 0 ? 1 : 0;
  };
  const note = (t: number, side: 0 | 1, cell: Cell): void => {
    const cells: [Cell | null, Cell | null] = [null, null];
    cells[side] = cell;
    rows.push({ kind: 'note', t, cells });
  };

  // Where the textbook picture starts: each column's first state, a server's `listen` above LISTEN.
  const starts = startStates(events, cols);
  const listened = new Set<string>();
  for (const ev of events) if (ev.type === 'app' && ev.event === 'listen') listened.add(ev.host);
  const t0 = events.find((e) => e.type !== 'meta')?.t ?? 0;
  for (const side of [0, 1] as const) {
    const st = starts.get(cols[side]);
    if (st === undefined || listened.has(cols[side])) continue;
    if (st === TERMS.listenState) note(t0, side, { text: APP_WORDS.listen, style: null });
    note(t0, side, { text: st, style: 'bold' });
  }

  let meta: Extract<TraceEvent, { type: 'meta' }> | undefined;
  for (const ev of events) {
    switch (ev.type) {
      case 'meta':
        meta = ev;
        break;
      case 'segment': {
        if (ev.event === 'tx') {
          // A forged segment (link: inject) from an address that is no drawn host's comes from the column opposite its receiver.
          const from = ev.forged === true && sideOf(ev.host) === -1 ? forgedSide(ev) : sideOf(ev.host);
          if (from === -1 || (ev.forged !== true && senderSide(ev) === -1)) {
            skip(ev.host);
            break;
          }
          const mark = sendMark(ev, lang);
          const bytes = opts.payloads?.of(ev);
          const arrow: Arrow = { kind: 'arrow', t: ev.t, from, senderHost: ev.host, seg: ev, marks: mark === '' ? [] : [mark], inFlight: true };
          if (bytes !== undefined) arrow.preview = previewText(bytes, 12);
          rows.push(arrow);
          const key = segKey(ev);
          if (!pending.has(key)) pending.set(key, []);
          pending.get(key)!.push(arrow);
          break;
        }
        const paired = takePending(ev);
        if (paired) {
          paired.inFlight = false;
          if (ev.event === 'drop') paired.drop = { reason: dropWord(ev.reason, lang), atReceiver: ev.host !== paired.senderHost };
          else paired.arrivalMs = ev.t;
          // Something happened since it left: its arrival gets a row of its own, so the diagram
          // keeps the trace's order (a drop on the link ends where it is, in the middle).
          const reached = ev.event === 'rx' || paired.drop!.atReceiver;
          if (reached && rows[rows.length - 1] !== paired) {
            paired.arrive = { kind: 'arrive', t: ev.t, arrow: paired };
            rows.push(paired.arrive);
          }
          break;
        }
        const from = senderSide(ev);
        if (from === -1) {
          // A packet too damaged to name its ends, dropped by a drawn host: say so beside that host.
          const at = sideOf(ev.host);
          if (ev.event === 'drop' && at !== -1 && hostOfAddr.get(addrOf(ev.dst)) === undefined) {
            note(ev.t, at, { text: `✕ ${dropWord(ev.reason, lang)}`, style: 'red' });
          } else skip(ev.host);
          break;
        }
        // Nothing sent it that we saw: a duplicate made by the link, or a drop of a segment never sent.
        const orphan: Arrow = { kind: 'arrow', t: ev.t, from, senderHost: cols[from], seg: ev, marks: [], inFlight: false };
        if (ev.event === 'rx') {
          orphan.marks.push(`(${TERMS.duplicate})`);
          orphan.arrivalMs = ev.t;
        } else {
          orphan.drop = { reason: dropWord(ev.reason, lang), atReceiver: sideOf(ev.host) !== from };
        }
        rows.push(orphan);
        break;
      }
      case 'state': {
        const side = sideOf(ev.host);
        if (side === -1) skip(ev.host);
        else note(ev.t, side, { text: prefix(ev.host, ev.conn) + ev.to, style: 'bold' });
        break;
      }
      case 'app': {
        const side = sideOf(ev.host);
        if (side === -1) skip(ev.host);
        else {
          const cell = appText(ev, lang, appBytes?.get(ev));
          note(ev.t, side, { text: prefix(ev.host, ev.conn) + cell.text, style: cell.style });
          // The listening socket's state, which no connection's state change records.
          if (ev.event === 'listen' && starts.get(ev.host) === TERMS.listenState && listened.delete(ev.host)) {
            note(ev.t, side, { text: TERMS.listenState, style: 'bold' });
          }
        }
        break;
      }
      case 'timer': {
        // Only expiries explain something that follows (a retransmission, a probe, an ACK);
        // set/cancel would bury the diagram, and TIME-WAIT's end shows as the state change.
        if (ev.event !== 'fire' || ev.timer === 'timewait') break;
        const side = sideOf(ev.host);
        if (side === -1) skip(ev.host);
        else note(ev.t, side, { text: `${prefix(ev.host, ev.conn)}${msg(lang, `timer.${ev.timer}` as MessageKey)} ${TERMS.expires}`, style: 'dim' });
        break;
      }
      case 'expect': {
        const side = sideOf(ev.host);
        if (side === -1) skip(ev.host);
        else note(ev.t, side, { text: `${ev.ok ? '✓' : '✗'} ${expectationWhat(ev.what, lang)}`, style: ev.ok ? 'green' : 'boldRed' });
        break;
      }
      case 'cc':
        break;
    }
  }

  // Lanes for bent arrows, in row order; with every lane of its direction taken, an arrow is
  // drawn straight at its send time instead (its arrival time by the head).
  const lanes: [Array<Arrow | null>, Array<Arrow | null>] = [[], []];
  const unbent = new Set<Arrive>();
  for (const row of rows) {
    if (row.kind === 'arrow' && row.arrive !== undefined) {
      const mine = lanes[row.from];
      let k = mine.indexOf(null);
      if (k < 0 && mine.length < MAX_LANES) k = mine.push(null) - 1;
      if (k < 0) {
        unbent.add(row.arrive);
        row.arrive = undefined;
        continue;
      }
      mine[k] = row;
      row.lane = k;
    } else if (row.kind === 'arrive' && !unbent.has(row)) {
      lanes[row.arrow.from][row.arrow.lane!] = null;
    }
  }
  const laneCount = [lanes[0].length, lanes[1].length];

  // Notes of one instant (with no segment between them) are stacked per column and share rows,
  // so each column reads in its own order: `connect` above `SYN-SENT`, `listen` above `LISTEN`.
  const merged: Row[] = [];
  const kept = rows.filter((r) => !(r.kind === 'arrive' && unbent.has(r)));
  for (let i = 0; i < kept.length; ) {
    const row = kept[i]!;
    if (row.kind !== 'note') {
      merged.push(row);
      i++;
      continue;
    }
    const stacks: [Cell[], Cell[]] = [[], []];
    let j = i;
    for (; j < kept.length; j++) {
      const r = kept[j]!;
      if (r.kind !== 'note' || r.t !== row.t) break;
      for (const side of [0, 1] as const) if (r.cells[side]) stacks[side].push(r.cells[side]!);
    }
    for (let k = 0; k < Math.max(stacks[0].length, stacks[1].length); k++) {
      merged.push({ kind: 'note', t: row.t, cells: [stacks[0][k] ?? null, stacks[1][k] ?? null] });
    }
    i = j;
  }

  // Margin contents: notes, and the arrival time (or fate) beside the receiving column.
  const marginCells = (row: Row): [Cell | null, Cell | null] => {
    if (row.kind === 'note') return row.cells;
    const cells: [Cell | null, Cell | null] = [null, null];
    if (row.kind === 'arrive') {
      const a = row.arrow;
      if (a.drop?.atReceiver) cells[a.from === 0 ? 1 : 0] = { text: `${TERMS.dropped} (${a.drop.reason})`, style: 'red' };
      return cells;
    }
    const to = row.from === 0 ? 1 : 0;
    if (row.arrive !== undefined) return cells;
    if (row.drop?.atReceiver) cells[to] = { text: `${TERMS.dropped} (${row.drop.reason})`, style: 'red' };
    else if (row.inFlight) cells[to] = { text: TERMS.notReceived, style: 'dim' };
    else if (row.arrivalMs !== undefined && row.arrivalMs !== row.t) cells[to] = { text: fmtMs(row.arrivalMs), style: null };
    return cells;
  };

  // Layout: time | left margin | column A | arrows | column B | right margin.
  const timeW = Math.max(2, ...merged.map((r) => fmtMs(r.t).length));
  const longest = (side: 0 | 1): number => Math.max(0, ...merged.map((r) => displayWidth(marginCells(r)[side]?.text ?? '')));
  let leftW = Math.min(MARGIN_MAX, Math.max(MARGIN_MIN, longest(0)));
  let rightW = Math.min(MARGIN_MAX, Math.max(MARGIN_MIN, longest(1)));
  const fixed = (): number => timeW + 2 + leftW + 1 + 1 + 1 + 1 + rightW;
  while (width - fixed() < SPAN_MIN && (leftW > 8 || rightW > 8)) {
    if (leftW >= rightW && leftW > 8) leftW--;
    else rightW--;
  }
  const longestLabel = Math.max(0, ...merged.map((r) => (r.kind === 'arrow' ? displayWidth(fitLabel(r.seg, r.marks, 1000, r.preview)) : 0)));
  const laneRoom = 2 * (laneCount[0]! + laneCount[1]!);
  // Arrows no longer than the longest label needs, so a wide terminal does not stretch them thin.
  const span = Math.max(SPAN_MIN, Math.min(width - fixed(), Math.max(longestLabel + 6 + laneRoom, 36)));
  // A lane's column in the arrow area: left-to-right segments run down beside the right column,
  // the others beside the left one; lane 0 nearest the column.
  const laneCol = (dir: 0 | 1, lane: number): number => (dir === 0 ? span - 3 - 2 * lane : 2 + 2 * lane);

  const out: string[] = [];
  const title = meta ? `${msg(lang, 'ladder.title')} · ${TERMS.scenario} ${meta.scenario} · ${TERMS.seed} ${meta.seed}` : msg(lang, 'ladder.title');
  out.push(paint(title, 'bold', color));
  out.push(truncate(msg(lang, 'ladder.legend'), width));
  out.push('');

  // Host names centred over their columns.
  const pipeA = timeW + 2 + leftW + 1;
  const pipeB = pipeA + 1 + span;
  const nameA = `${cols[0]}${hostPorts(0)}`;
  const nameB = `${cols[1]}${hostPorts(1)}`;
  // Measured in terminal columns: a name in Chinese (客户端) takes two a character.
  const wA = displayWidth(nameA);
  const wB = displayWidth(nameB);
  const startA = Math.max(timeW + 2, pipeA - Math.floor(wA / 2));
  const startB = Math.max(startA + wA + 2, Math.min(pipeB - Math.floor(wB / 2), width - wB));
  out.push(
    ('ms'.padStart(timeW) + ' '.repeat(startA - timeW) + paint(nameA, 'bold', color) +
      ' '.repeat(startB - startA - wA) + paint(nameB, 'bold', color)).trimEnd(),
  );

  // Bent arrows still on their way at each row: [column, style] of their lanes.
  const open: Arrow[] = [];
  let lastT: number | undefined;
  for (const row of merged) {
    if (row.kind === 'arrive') open.splice(open.indexOf(row.arrow), 1);
    const verticals = open.map((a) => ({ col: laneCol(a.from, a.lane!), style: flagStyle(a.seg.flags) }));
    const time = row.t === lastT ? ' '.repeat(timeW) : fmtMs(row.t).padStart(timeW);
    lastT = row.t;
    const [lc, rc] = marginCells(row);
    const leftText = lc ? truncate(lc.text, leftW) : '';
    const left = ' '.repeat(leftW - displayWidth(leftText)) + (lc ? paint(leftText, lc.style, color) : '');
    const right = rc ? paint(truncate(rc.text, rightW), rc.style, color) : '';
    let cells: Cell[];
    let pa = '│';
    let pb = '│';
    if (row.kind === 'note') cells = blank(span);
    else if (row.kind === 'arrive') cells = drawArrival(row.arrow, span, laneCol(row.arrow.from, row.arrow.lane!));
    else {
      cells = drawArrow(row, span, row.arrive !== undefined ? laneCol(row.from, row.lane!) : undefined, verticals.map((v) => v.col));
      if (row.from === 0) pa = '├';
      else pb = '┤';
    }
    for (const v of verticals) {
      const c = cells[v.col]!;
      if (c.text === ' ') cells[v.col] = { text: '│', style: v.style };
      else if (c.text === '─') cells[v.col] = { text: '┼', style: c.style };
    }
    out.push(`${time}  ${left} ${pa}${paintCells(cells, color)}${pb} ${right}`.trimEnd());
    if (row.kind === 'arrow' && row.arrive !== undefined) open.push(row);
  }
  if (skipped > 0) {
    out.push(msg(lang, 'ladder.notDrawn', { n: skipped, s: lang === 'en' && skipped !== 1 ? 's' : '', hosts: [...otherHosts].join(', '), a: cols[0]!, b: cols[1]! }));
  }
  return out.join('\n') + '\n';
}

const blank = (span: number): Cell[] => Array.from({ length: span }, () => ({ text: ' ', style: null }));

/** Cells painted in runs of one style, so colour codes wrap whole stretches of text. */
function paintCells(cells: readonly Cell[], color: boolean): string {
  let out = '';
  for (let i = 0; i < cells.length; ) {
    let j = i;
    let run = '';
    while (j < cells.length && cells[j]!.style === cells[i]!.style) run += cells[j++]!.text;
    out += paint(run, cells[i]!.style, color);
    i = j;
  }
  return out;
}

function put(cells: Cell[], at: number, text: string, style: Style): void {
  let k = at;
  for (const ch of text) {
    if (k >= 0 && k < cells.length) cells[k] = { text: ch, style };
    // A wide character (你) takes two columns: the second cell holds nothing.
    if (displayWidth(ch) === 2 && k + 1 >= 0 && k + 1 < cells.length) cells[k + 1] = { text: '', style };
    k += displayWidth(ch);
  }
}

/**
 * The longest stretch of columns in [lo, hi] that no lane crosses, as [start, length]: where a label
 * can go without a vertical line running through it. `fromRight` prefers the rightmost stretch.
 */
function freeRun(lo: number, hi: number, busy: readonly number[], fromRight: boolean): [number, number] {
  let best: [number, number] = [lo, 0];
  let start = lo;
  for (let c = lo; c <= hi + 1; c++) {
    if (c <= hi && !busy.includes(c)) continue;
    const len = c - start;
    if (len > best[1] || (fromRight && len === best[1] && len > 0)) best = [start, len];
    start = c + 1;
  }
  return best;
}

/**
 * The `span` cells between the two columns on a segment's send row. `lane` is the column where a
 * bent arrow turns down; `busy` the lanes of other arrows crossing this row.
 */
function drawArrow(a: Arrow, span: number, lane: number | undefined, busy: readonly number[]): Cell[] {
  const style = flagStyle(a.seg.flags);
  const cells = blank(span);
  const linkDrop = a.drop && !a.drop.atReceiver ? a.drop.reason : undefined;
  const ltr = a.from === 0;

  // The stretch the line covers: from the sender's column to the head, or to the lane's corner;
  // a segment dropped on the link leaves room for `✕ reason` after its label.
  const dropRoom = linkDrop !== undefined ? 2 + [...linkDrop].length + 1 : 0;
  const [lo, hi] = ltr ? [0, lane ?? span - 1] : [lane ?? 0, span - 1];
  // The label, with a space each side, keeps a dash by the sender and two before the head or corner.
  const [zoneLo, zoneHi] = ltr ? [1, hi - 3 - dropRoom] : [lo + 3 + dropRoom, span - 2];
  let [runAt, runLen] = freeRun(zoneLo, zoneHi, busy, !ltr);
  // A dash between a crossing and the label, so the crossing reads as part of the line.
  if (runAt > zoneLo) [runAt, runLen] = [runAt + 1, runLen - 1];
  if (runAt + runLen - 1 < zoneHi) runLen--;
  const label = fitLabel(a.seg, a.marks, runLen - 2, a.preview);
  const len = displayWidth(label);
  const at = ltr ? runAt : runAt + runLen - 2 - len;
  if (linkDrop === undefined) {
    for (let c = lo; c <= hi; c++) cells[c] = { text: '─', style };
  } else {
    // Dropped on the link: the line stops at ✕, in the middle when the label leaves room for it.
    const mid = Math.floor(span / 2);
    if (ltr) {
      const x = Math.min(span - dropRoom, Math.max(at + len + 4, mid));
      for (let c = 0; c < x; c++) cells[c] = { text: '─', style };
      put(cells, x, `✕ ${linkDrop}`, 'red');
    } else {
      const x = Math.max(dropRoom - 1, Math.min(at - 3, span - 1 - mid));
      for (let c = x + 1; c < span; c++) cells[c] = { text: '─', style };
      put(cells, x - dropRoom + 2, `${linkDrop} ✕`, 'red');
    }
  }
  put(cells, at, ` ${label} `, style);
  if (linkDrop !== undefined) return cells;
  if (lane !== undefined) cells[lane] = { text: ltr ? '╮' : '╭', style };
  else {
    const head = a.drop ? { text: '✕', style: 'red' as Style } : { text: ltr ? '>' : '<', style: null };
    cells[ltr ? span - 1 : 0] = head;
  }
  return cells;
}

/** The cells of a bent arrow's arrival row: from its lane into the receiver's column. */
function drawArrival(a: Arrow, span: number, lane: number): Cell[] {
  const style = flagStyle(a.seg.flags);
  const cells = blank(span);
  const ltr = a.from === 0;
  const [lo, hi] = ltr ? [lane, span - 1] : [0, lane];
  for (let c = lo; c <= hi; c++) cells[c] = { text: '─', style };
  cells[lane] = { text: ltr ? '╰' : '╯', style };
  const head = a.drop ? { text: '✕', style: 'red' as Style } : { text: ltr ? '>' : '<', style: null };
  cells[ltr ? span - 1 : 0] = head;
  return cells;
}
