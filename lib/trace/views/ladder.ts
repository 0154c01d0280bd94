/**
 * The ladder diagram: two hosts as vertical lines, time flowing down, one horizontal arrow per
 * segment drawn at the time it was sent, labelled as tcpdump would, with the arrival time by its
 * head. A terminal cannot draw slanted arrows, so the delay is written instead of drawn.
 *
 * Choices:
 * - Only the first two hosts of `opts.hosts` are drawn. Lanes for more hosts would leave no room
 *   for labels at 100 columns; events of other hosts are counted in a footer line instead.
 * - A transmission is paired with the first unmatched `rx` or `drop` event of the same segment
 *   (src, dst, seq, ack, flags, len), so a retransmission pairs with its own arrival. An `rx` that
 *   pairs with nothing (the link duplicated the segment) gets its own arrow marked `(dup)`.
 * - Uppercase words beside a column are TCP states entered; lowercase ones are what the application
 *   did or saw, and timers that expired.
 */
import type { SegmentEvent, TraceEvent } from '../events.ts';
import { paint, type Style } from './ansi.ts';
import { segmentLabelParts } from './label.ts';

export interface LadderOptions {
  /** Host names in column order; the first two are drawn. */
  hosts: string[];
  color: boolean;
  /** Total width in terminal cells (default 100). */
  width?: number;
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
  arrivalMs?: number;
  drop?: { reason: string; atReceiver: boolean };
  /** Still travelling when the trace ended. */
  inFlight: boolean;
}

interface Note {
  kind: 'note';
  t: number;
  cells: [Cell | null, Cell | null];
}

type Row = Arrow | Note;

const MARGIN_MIN = 4;
const MARGIN_MAX = 22;
const SPAN_MIN = 24;

const fmtMs = (t: number): string => t.toFixed(3);
const addrOf = (hostPort: string): string => hostPort.slice(0, hostPort.lastIndexOf(':'));
const segKey = (s: SegmentEvent): string => `${s.src}>${s.dst} ${s.flags} ${s.seq} ${s.ack} ${s.len}`;

function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

function flagStyle(flags: string): Style {
  if (flags.includes('R')) return 'magenta';
  if (flags.includes('S')) return 'cyan';
  if (flags.includes('F')) return 'yellow';
  return null;
}

function appText(ev: Extract<TraceEvent, { type: 'app' }>): Cell {
  const n = ev.bytes ?? 0;
  switch (ev.event) {
    case 'listen': return { text: 'listen', style: null };
    case 'open': return { text: 'connect', style: null };
    case 'connect': return { text: 'connected', style: null };
    case 'accept': return { text: 'accepted', style: null };
    case 'send': return { text: `send ${n}`, style: null };
    case 'data': return { text: `read ${n}`, style: null };
    case 'read': return { text: ev.bytes === undefined ? 'read request all' : `read request ${n}`, style: null };
    case 'end': return { text: 'end-of-stream', style: null };
    case 'shutdown': return { text: 'shutdown', style: null };
    case 'close-req': return { text: 'close', style: null };
    case 'close': return { text: 'closed', style: null };
    case 'abort': return { text: 'abort', style: null };
    case 'error': return { text: `error ${ev.error ?? ''}`.trimEnd(), style: 'boldRed' };
  }
}

/**
 * Fits the label into `max` cells, giving up the least telling parts first: the options are
 * shortened, then the window is left out, so flags, numbers and `len` stay longest.
 */
function fitLabel(seg: SegmentEvent, marks: string[], max: number): string {
  const p = segmentLabelParts(seg);
  const extra = [p.tail, ...marks].filter((x) => x !== '').join(' ');
  const join = (head: string, opts: string): string => [head, opts, extra].filter((x) => x !== '').join(' ');
  const fits = (text: string): boolean => [...text].length <= max;
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

export function renderLadder(events: readonly TraceEvent[], opts: LadderOptions): string {
  if (opts.hosts.length < 2) throw new RangeError('renderLadder needs at least two hosts');
  const width = opts.width ?? 100;
  const color = opts.color;
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
  const note = (t: number, side: 0 | 1, cell: Cell): void => {
    const cells: [Cell | null, Cell | null] = [null, null];
    cells[side] = cell;
    rows.push({ kind: 'note', t, cells });
  };

  let meta: Extract<TraceEvent, { type: 'meta' }> | undefined;
  for (const ev of events) {
    switch (ev.type) {
      case 'meta':
        meta = ev;
        break;
      case 'segment': {
        if (ev.event === 'tx') {
          const from = sideOf(ev.host);
          if (from === -1 || senderSide(ev) === -1) {
            skip(ev.host);
            break;
          }
          const marks: string[] = [];
          if (ev.retransmit) marks.push(ev.why ? `(rtx: ${ev.why})` : '(rtx)');
          else if (ev.why === 'persist') marks.push('(window probe)');
          else if (ev.why === 'keepalive') marks.push('(keepalive)');
          const arrow: Arrow = { kind: 'arrow', t: ev.t, from, senderHost: ev.host, seg: ev, marks, inFlight: true };
          rows.push(arrow);
          const key = segKey(ev);
          if (!pending.has(key)) pending.set(key, []);
          pending.get(key)!.push(arrow);
          break;
        }
        const paired = takePending(ev);
        if (paired) {
          paired.inFlight = false;
          if (ev.event === 'rx') paired.arrivalMs = ev.t;
          else paired.drop = { reason: ev.reason ?? 'dropped', atReceiver: ev.host !== paired.senderHost };
          break;
        }
        const from = senderSide(ev);
        if (from === -1) {
          // A packet too damaged to name its ends, dropped by a drawn host: say so beside that host.
          const at = sideOf(ev.host);
          if (ev.event === 'drop' && at !== -1 && hostOfAddr.get(addrOf(ev.dst)) === undefined) {
            note(ev.t, at, { text: `✕ ${ev.reason ?? 'dropped'}`, style: 'red' });
          } else skip(ev.host);
          break;
        }
        // Nothing sent it that we saw: a duplicate made by the link, or a drop of a segment never sent.
        const orphan: Arrow = { kind: 'arrow', t: ev.t, from, senderHost: cols[from], seg: ev, marks: [], inFlight: false };
        if (ev.event === 'rx') {
          orphan.marks.push('(dup)');
          orphan.arrivalMs = ev.t;
        } else {
          orphan.drop = { reason: ev.reason ?? 'dropped', atReceiver: sideOf(ev.host) !== from };
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
          const cell = appText(ev);
          note(ev.t, side, { text: prefix(ev.host, ev.conn) + cell.text, style: cell.style });
        }
        break;
      }
      case 'timer': {
        // Only expiries explain something that follows (a retransmission, a probe, an ACK);
        // set/cancel would bury the diagram, and TIME-WAIT's end shows as the state change.
        if (ev.event !== 'fire' || ev.timer === 'timewait') break;
        const side = sideOf(ev.host);
        if (side === -1) skip(ev.host);
        else note(ev.t, side, { text: `${prefix(ev.host, ev.conn)}${ev.timer} expires`, style: 'dim' });
        break;
      }
      case 'expect': {
        const side = sideOf(ev.host);
        if (side === -1) skip(ev.host);
        else note(ev.t, side, { text: `${ev.ok ? '✓' : '✗'} ${ev.what}`, style: ev.ok ? 'green' : 'boldRed' });
        break;
      }
      case 'cc':
        break;
    }
  }

  // Notes of one instant (with no segment between them) are stacked per column and share rows,
  // so each column reads in its own order: `connect` above `SYN-SENT`, `listen` above `LISTEN`.
  const merged: Row[] = [];
  for (let i = 0; i < rows.length; ) {
    const row = rows[i]!;
    if (row.kind !== 'note') {
      merged.push(row);
      i++;
      continue;
    }
    const stacks: [Cell[], Cell[]] = [[], []];
    let j = i;
    for (; j < rows.length; j++) {
      const r = rows[j]!;
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
    const to = row.from === 0 ? 1 : 0;
    if (row.drop?.atReceiver) cells[to] = { text: `dropped (${row.drop.reason})`, style: 'red' };
    else if (row.inFlight) cells[to] = { text: 'not received', style: 'dim' };
    else if (row.arrivalMs !== undefined && row.arrivalMs !== row.t) cells[to] = { text: fmtMs(row.arrivalMs), style: null };
    return cells;
  };

  // Layout: time | left margin | column A | arrows | column B | right margin.
  const timeW = Math.max(2, ...merged.map((r) => fmtMs(r.t).length));
  const longest = (side: 0 | 1): number => Math.max(0, ...merged.map((r) => [...(marginCells(r)[side]?.text ?? '')].length));
  let leftW = Math.min(MARGIN_MAX, Math.max(MARGIN_MIN, longest(0)));
  let rightW = Math.min(MARGIN_MAX, Math.max(MARGIN_MIN, longest(1)));
  const fixed = (): number => timeW + 2 + leftW + 1 + 1 + 1 + 1 + rightW;
  while (width - fixed() < SPAN_MIN && (leftW > 8 || rightW > 8)) {
    if (leftW >= rightW && leftW > 8) leftW--;
    else rightW--;
  }
  const longestLabel = Math.max(0, ...merged.map((r) => (r.kind === 'arrow' ? fitLabel(r.seg, r.marks, 1000).length : 0)));
  // Arrows no longer than the longest label needs, so a wide terminal does not stretch them thin.
  const span = Math.max(SPAN_MIN, Math.min(width - fixed(), Math.max(longestLabel + 6, 36)));

  const out: string[] = [];
  const title = meta ? `tcpemu ladder · scenario ${meta.scenario} · seed ${meta.seed}` : 'tcpemu ladder';
  out.push(paint(title, 'bold', color));
  out.push(truncate('legend: ms sent at left, received by the arrowhead · ✕ dropped · (rtx) resent · CAPS: state entered', width));
  out.push('');

  // Host names centred over their columns.
  const pipeA = timeW + 2 + leftW + 1;
  const pipeB = pipeA + 1 + span;
  const nameA = `${cols[0]}${hostPorts(0)}`;
  const nameB = `${cols[1]}${hostPorts(1)}`;
  const startA = Math.max(timeW + 2, pipeA - Math.floor(nameA.length / 2));
  const startB = Math.max(startA + nameA.length + 2, Math.min(pipeB - Math.floor(nameB.length / 2), width - nameB.length));
  out.push(
    ('ms'.padStart(timeW) + ' '.repeat(startA - timeW) + paint(nameA, 'bold', color) +
      ' '.repeat(startB - startA - nameA.length) + paint(nameB, 'bold', color)).trimEnd(),
  );

  let lastT: number | undefined;
  for (const row of merged) {
    const time = row.t === lastT ? ' '.repeat(timeW) : fmtMs(row.t).padStart(timeW);
    lastT = row.t;
    const [lc, rc] = marginCells(row);
    const leftText = lc ? truncate(lc.text, leftW) : '';
    const left = ' '.repeat(leftW - [...leftText].length) + (lc ? paint(leftText, lc.style, color) : '');
    const right = rc ? paint(truncate(rc.text, rightW), rc.style, color) : '';
    let middle: string;
    let pa = '│';
    let pb = '│';
    if (row.kind === 'note') middle = ' '.repeat(span);
    else {
      middle = drawArrow(row, span, color);
      if (row.from === 0) pa = '├';
      else pb = '┤';
    }
    out.push(`${time}  ${left} ${pa}${middle}${pb} ${right}`.trimEnd());
  }
  if (skipped > 0) {
    out.push(`(${skipped} event${skipped === 1 ? '' : 's'} of ${[...otherHosts].join(', ')} not drawn: the ladder shows ${cols[0]} and ${cols[1]})`);
  }
  return out.join('\n') + '\n';
}

/** The `span` cells between the two columns for one segment. */
function drawArrow(a: Arrow, span: number, color: boolean): string {
  const style = flagStyle(a.seg.flags);
  const linkDrop = a.drop && !a.drop.atReceiver ? a.drop.reason : undefined;
  const dropRoom = linkDrop !== undefined ? 2 + linkDrop.length + 1 : 0;
  // '─ ' label ' ' at least two dashes, then the head (or ✕ reason): 6 cells besides the label.
  const label = fitLabel(a.seg, a.marks, span - 6 - dropRoom);
  const labelLen = [...label].length;
  const red = (s: string): string => paint(s, 'red', color);

  if (linkDrop === undefined) {
    const head = a.drop ? red('✕') : a.from === 0 ? '>' : '<';
    const dashes = '─'.repeat(span - labelLen - 4);
    const body = a.from === 0 ? `─ ${label} ${dashes}` : `${dashes} ${label} ─`;
    return a.from === 0 ? paint(body, style, color) + head : head + paint(body, style, color);
  }
  // Dropped on the link: the arrow stops at ✕, in the middle when the label leaves room for it.
  const reason = linkDrop;
  const tail = span - (2 + labelLen + 1); // cells after '─ label '
  const toX = Math.max(2, Math.min(Math.floor(span / 2) - (2 + labelLen + 1), tail - 2 - reason.length));
  const rest = tail - toX - 1 - 1 - reason.length;
  if (a.from === 0) {
    return paint(`─ ${label} ${'─'.repeat(toX)}`, style, color) + red(`✕ ${reason}`) + ' '.repeat(Math.max(0, rest));
  }
  return ' '.repeat(Math.max(0, rest)) + red(`${reason} ✕`) + paint(`${'─'.repeat(toX)} ${label} ─`, style, color);
}
