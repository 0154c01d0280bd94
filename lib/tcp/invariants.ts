/**
 * What must hold of a connection after every input, checked when asked for (on in `npm test`, through
 * TCPEMU_INVARIANTS=1; off by default and in the bench, where it costs one test of a field per input).
 * A broken invariant throws InvariantError with the connection's recent history, so a generated scenario
 * that breaks one says where.
 */
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from '../wire/seq.ts';
import { ACK, RST, SYN, type TcpSegment } from '../wire/tcp-types.ts';
import { flagString } from '../wire/format.ts';
import { LEGAL_TRANSITIONS, type TcpState } from './states.ts';

/** Checks are on for connections made without saying (ConnectionParams.checkInvariants) when this is true. */
let checkByDefault = typeof process !== 'undefined' && process.env?.TCPEMU_INVARIANTS === '1';

/** Turn the checks on or off for connections made from now on that do not say; returns the previous value. */
export function setInvariantChecks(on: boolean): boolean {
  const was = checkByDefault;
  checkByDefault = on;
  return was;
}

export function invariantChecksByDefault(): boolean {
  return checkByDefault;
}

/** What the checker reads of a connection: the TCB's variables (RFC 9293 3.3.1) and its buffers. */
export interface TcbView {
  state: TcpState;
  iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd: number;
  /** Sequence number of the send buffer's first byte, and how many bytes it holds. */
  bufSeq: number;
  sendLength: number;
  finQueued: boolean;
  /** RCV.NXT, and whether the receive side exists yet (after the peer's SYN). */
  rcvNxt: number;
  receiving: boolean;
  unread: number;
  rcvbuf: number;
  rcvScale: number;
}

export class InvariantError extends Error {
  override name = 'InvariantError';
  constructor(message: string, readonly history: readonly string[]) {
    super(`${message}\nthe connection's last events, oldest first:\n  ${history.join('\n  ')}`);
  }
}


/** Events kept for the message of a broken invariant. */
const HISTORY = 32;
/** Numbers kept per event: time, then flags, seq, ack, window and length for a segment (or a count). */
const NUMS = 6;
const INPUT = 0;
const RCV = 1;
const SND = 2;
const STATE = 3;

function describe(flags: number, seq: number, ack: number, win: number, len: number): string {
  return `${flagString(flags)} seq ${seq} ack ${ack} win ${win} len ${len}`;
}

export class InvariantChecker {
  /** What the connection fills in before each check: one object, so that a check allocates nothing. */
  readonly view: TcbView = {
    state: 'CLOSED', iss: 0, sndUna: 0, sndNxt: 0, sndMax: 0, sndWnd: 0, bufSeq: 0, sendLength: 0, finQueued: false,
    rcvNxt: 0, receiving: false, unread: 0, rcvbuf: 0, rcvScale: 0,
  };

  // The last HISTORY events, as numbers and words, put into sentences only when an invariant breaks.
  private readonly kinds = new Uint8Array(HISTORY);
  private readonly nums = new Float64Array(HISTORY * NUMS);
  private readonly words: (string | undefined)[] = new Array<string | undefined>(HISTORY).fill(undefined);
  private next = 0;
  private size = 0;
  /** The right edge of the last window advertised (RCV.NXT + RCV.WND as the peer reads it). */
  private lastEdge: number | undefined;

  private note(now: number, kind: number, word: string | undefined, seg?: TcpSegment, count = -1): void {
    const i = this.next;
    this.next = i + 1 === HISTORY ? 0 : i + 1;
    if (this.size < HISTORY) this.size++;
    this.kinds[i] = kind;
    this.words[i] = word;
    const o = i * NUMS;
    this.nums[o] = now;
    if (seg) {
      this.nums[o + 1] = seg.flags;
      this.nums[o + 2] = seg.seq;
      this.nums[o + 3] = seg.ack;
      this.nums[o + 4] = seg.window;
      this.nums[o + 5] = seg.payload.length;
    } else {
      this.nums[o + 1] = count;
    }
  }

  /** The history in words, oldest first. */
  history(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - this.size + k + HISTORY) % HISTORY;
      const o = i * NUMS;
      const n = this.nums;
      const word = this.words[i];
      const seg = () => describe(n[o + 1], n[o + 2], n[o + 3], n[o + 4], n[o + 5]);
      switch (this.kinds[i]) {
        case INPUT: out.push(`t=${n[o]} ${word}${n[o + 1] >= 0 ? ` ${n[o + 1]}` : ''}`); break;
        case RCV: out.push(`t=${n[o]} rcv ${seg()}`); break;
        case SND: out.push(`t=${n[o]} snd ${seg()}${word ? ` (${word})` : ''}`); break;
        default: out.push(`t=${n[o]} ${word}`);
      }
    }
    return out;
  }

  private fail(now: number, tcb: TcbView, what: string): never {
    const vars = `state ${tcb.state}, SND.UNA ${tcb.sndUna}, SND.NXT ${tcb.sndNxt}, SND.MAX ${tcb.sndMax}, SND.WND ${tcb.sndWnd}, `
      + `send buffer ${tcb.sendLength} bytes from ${tcb.bufSeq}, RCV.NXT ${tcb.rcvNxt}, unread ${tcb.unread} of ${tcb.rcvbuf}`;
    throw new InvariantError(`invariant broken at t=${now} ms: ${what} (${vars})`, this.history());
  }

  /** An application call or a timer: `what`, and a byte count where it has one. */
  input(now: number, what: string, count = -1): void {
    this.note(now, INPUT, what, undefined, count);
  }

  segmentIn(now: number, seg: TcpSegment): void {
    this.note(now, RCV, undefined, seg);
  }

  /** A state change, checked against the diagram. */
  state(now: number, tcb: TcbView, from: TcpState, to: TcpState, cause: string): void {
    this.note(now, STATE, `${from} -> ${to} (${cause})`);
    if (!LEGAL_TRANSITIONS[from].includes(to)) this.fail(now, tcb, `${from} -> ${to} (${cause}) is no transition of RFC 9293's state diagram`);
  }

  /** A segment leaving, with the connection as it is when the segment is handed over. */
  transmit(now: number, tcb: TcbView, seg: TcpSegment, why: string | undefined): void {
    this.note(now, SND, why, seg);
    const len = seg.payload.length;
    // Nothing beyond the peer's window (RFC 9293 3.8.6) but a zero-window probe of one byte (3.8.6.1).
    if (len > 0 && !(seg.flags & SYN)) {
      const end = seqAdd(seg.seq, len);
      const right = seqAdd(tcb.sndUna, tcb.sndWnd);
      const probe = why === 'persist' && len === 1 && tcb.sndWnd === 0;
      if (seqGt(end, right) && !probe) this.fail(now, tcb, `sent ${seg.seq}:${end} past the peer's window, which ends at ${right}`);
    }
    // Keep-alives only when no sent data is outstanding (3.8.4).
    if (why === 'keepalive' && (tcb.sndMax !== tcb.sndUna || tcb.sendLength > 0)) {
      this.fail(now, tcb, 'a keep-alive probe with data outstanding');
    }
    if (!(seg.flags & ACK) || seg.flags & RST || !tcb.receiving) return;
    // The advertised right edge never passes what the receive buffer can hold, and never moves left
    // (3.8.6.2.2), save by less than one scale unit where keeping it would pass the buffer (RFC 7323 app. F).
    const unit = seg.flags & SYN ? 1 : 2 ** tcb.rcvScale;
    const edge = seqAdd(seg.ack, seg.window * unit);
    const capacity = seqAdd(tcb.rcvNxt, tcb.rcvbuf - tcb.unread);
    if (seqGt(edge, capacity)) this.fail(now, tcb, `advertised a right edge at ${edge}, past the ${tcb.rcvbuf - tcb.unread} free bytes of the buffer (up to ${capacity})`);
    const last = this.lastEdge;
    // A retransmitted SYN-ACK carries the SYN's unscaled window, less than a scaled one sent since; but its
    // SEQ is old, so the peer takes nothing from it (3.10.7.4): it does not move the window the peer knows.
    if (seg.flags & SYN) {
      if (last === undefined) this.lastEdge = edge;
      return;
    }
    if (last !== undefined && seqLt(edge, last)) {
      const retraction = seqDiff(last, edge) < unit && seqGt(seqAdd(edge, unit), capacity);
      if (!retraction) this.fail(now, tcb, `the advertised right edge moved left, from ${last} to ${edge}`);
    }
    if (last === undefined || seqGt(edge, last)) this.lastEdge = edge;
  }

  /** After an input has been processed: the TCB's own relations. */
  check(now: number, tcb: TcbView): void {
    if (tcb.state === 'CLOSED' || tcb.state === 'LISTEN') return;
    if (tcb.unread > tcb.rcvbuf) this.fail(now, tcb, `${tcb.unread} unread bytes in a ${tcb.rcvbuf}-byte buffer`);
    if (!seqLe(tcb.sndUna, tcb.sndNxt) || !seqLe(tcb.sndNxt, tcb.sndMax)) this.fail(now, tcb, 'SND.UNA <= SND.NXT <= SND.MAX does not hold');
    // Bytes in flight agree with the send buffer: SND.UNA is its first byte (or the SYN before it, or the
    // FIN after it once acknowledged), and nothing was sent past its end but the FIN.
    const unaOffset = seqDiff(tcb.sndUna, tcb.bufSeq);
    if (unaOffset < -1 || unaOffset > 1 || (unaOffset === 1 && !(tcb.finQueued && tcb.sendLength === 0))) {
      this.fail(now, tcb, `SND.UNA is ${unaOffset} from the send buffer's first byte`);
    }
    if (unaOffset === -1 && tcb.sndUna !== tcb.iss) this.fail(now, tcb, 'SND.UNA is before the send buffer but not at the ISS');
    const sentPast = seqDiff(tcb.sndMax, tcb.bufSeq) - tcb.sendLength;
    if (sentPast > (tcb.finQueued ? 1 : 0)) this.fail(now, tcb, `${sentPast} sequence numbers sent past the end of the send buffer`);
  }
}
