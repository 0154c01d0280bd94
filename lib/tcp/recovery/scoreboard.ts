import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from '../../wire/seq.ts';

/**
 * The sender's scoreboard (RFC 6675 section 3, "Definitions" and section 4, "Algorithm Details"):
 * one record for each segment sent and not yet cumulatively acknowledged, with what the peer's SACK
 * blocks (RFC 2018) say it holds, which segments are deemed lost and which retransmissions are in the
 * network. RACK-TLP (RFC 8985) keeps its per-segment state (transmit time, lost, retransmitted) on the
 * same records, as Linux keeps both on its retransmission queue.
 *
 * Sequence numbers are 32-bit and compared modulo 2^32 (lib/wire/seq.ts). Ranges are half open:
 * `[seq, end)`. Where RFC 6675 names the highest octet of something (HighData, HighRxt), this module
 * keeps one past it (`sndNxt`, `highRxtEnd`), the way SND.NXT is one past the last octet sent.
 */

/** One transmitted segment (or the part of one that a SACK block split off). */
export interface SegmentRecord {
  /** First sequence number and one past the last. */
  seq: number;
  end: number;
  /** The peer holds it (RFC 6675 3: "SACKed"). */
  sacked: boolean;
  /** Deemed lost, by RFC 6675 IsLost, by RACK (RFC 8985 6.2 step 5) or by an RTO; sticky until SACKed or acknowledged. */
  lost: boolean;
  /** A retransmission of it is believed to be in the network (RFC 6675 SetPipe (b); Linux's retrans_out). */
  rtxInFlight: boolean;
  /** Retransmitted at least once (RFC 8985 "Segment.retransmitted"; Karn's ambiguity). */
  retransmitted: boolean;
  /** Time of its last transmission, ms (RFC 8985 "Segment.xmit_ts"). */
  xmitMs: number;
  /**
   * The order of its last transmission among all of the connection's (a counter): RACK's tie-break between
   * segments sent in the same millisecond (RFC 8985 6.2 breaks ties by sequence number, which is the order only
   * when nothing was retransmitted in between; Linux's microsecond clock seldom ties).
   */
  xmitOrder: number;
}

/** RFC 6675 section 2: "DupThresh", the number of duplicate ACKs (or SACKed segments) that signal a loss. */
export const DUP_THRESH = 3;

/** What one ACK did to the scoreboard; valid until the next onAck, which reuses the object and its arrays. */
export interface AckUpdate {
  /** Bytes the cumulative ACK newly covers (the change in SND.UNA). */
  cumAckedBytes: number;
  /**
   * Records that left the scoreboard by the cumulative ACK and had not been SACKed before: the first
   * `ackedCount` of the array (the arrays are reused and never shrink: emptying a JavaScript array drops its
   * storage, and the next push would allocate it again, on every ACK).
   */
  newlyAcked: SegmentRecord[];
  ackedCount: number;
  /** Records newly SACKed by this ACK's blocks: the first `sackedCount`. */
  newlySacked: SegmentRecord[];
  sackedCount: number;
  /** Bytes newly SACKed. */
  newlySackedBytes: number;
  /** RFC 6937 "DeliveredData": the change in SND.UNA plus the change in SACKed bytes. */
  deliveredBytes: number;
  /** The D-SACK block (RFC 2883 4), when the first block reports a duplicate. */
  dsack?: [number, number];
}

/** A range NextSeg chose (RFC 6675 4), with the rule that chose it. */
export interface NextSegment {
  seq: number;
  len: number;
  /** 1: a lost hole; 2: new data; 3: a hole not (yet) deemed lost; 4: the rescue retransmission. */
  rule: 1 | 2 | 3 | 4;
}

/**
 * RFC 2883 section 4 (and RFC 3708 1): the first SACK block is a D-SACK when it lies at or below the
 * cumulative ACK, or when it lies inside the second block. Returns that block, or undefined.
 */
export function dsackOf(ack: number, blocks: ReadonlyArray<readonly [number, number]>): [number, number] | undefined {
  const first = blocks[0];
  if (!first || !seqLt(first[0], first[1])) return undefined;
  if (seqLe(first[1], ack)) return [first[0], first[1]];
  const second = blocks[1];
  if (second && seqGe(first[0], second[0]) && seqLe(first[1], second[1])) return [first[0], first[1]];
  return undefined;
}

/**
 * The plain segments of a scoreboard in its simple form (see Scoreboard): for each, its end, transmit time
 * and order, three numbers side by side in one array used as a ring (a JavaScript array of numbers keeps
 * them unboxed, and a short connection makes one small array, not three typed ones). Its first segment
 * starts at SND.UNA, each next one where the one before it ends.
 */
class PlainRing {
  /** [end, xmitMs, order] per segment; its length is three times a power of two (or 0 before the first). */
  buf: number[] = [];
  /** Capacity in segments, minus one (a mask), or -1 before the first segment. */
  private mask = -1;
  head = 0;
  len = 0;

  push(end: number, xmitMs: number, order: number): void {
    if (this.len === this.mask + 1) this.grow();
    const i = 3 * ((this.head + this.len) & this.mask);
    this.buf[i] = end;
    this.buf[i + 1] = xmitMs;
    this.buf[i + 2] = order;
    this.len++;
  }

  /** Where in `buf` the k-th segment from the front starts: its end, then its transmit time and order. */
  at(k: number): number {
    return 3 * ((this.head + k) & this.mask);
  }

  drop(n: number): void {
    this.head = (this.head + n) & this.mask;
    this.len -= n;
  }

  private grow(): void {
    const cap = Math.max(8, 2 * (this.mask + 1));
    const buf = new Array<number>(3 * cap).fill(0);
    for (let k = 0; k < this.len; k++) {
      const i = this.at(k);
      buf[3 * k] = this.buf[i]!;
      buf[3 * k + 1] = this.buf[i + 1]!;
      buf[3 * k + 2] = this.buf[i + 2]!;
    }
    this.buf = buf;
    this.mask = cap - 1;
    this.head = 0;
  }
}

export class Scoreboard {
  /**
   * Segments sent and not cumulatively acknowledged, in sequence order, as records. While every segment in
   * flight is plain (sent once, neither SACKed nor lost: a sender that has seen no loss), they are kept in
   * `ring` instead and `full` is empty; the first use that needs records (a SACK block, a retransmission, a
   * loss, any reader of `segments`) makes them (materialize), and the scoreboard stays so until nothing is in
   * flight. A bulk sender without loss so never makes a record: its ACKs touch a few typed arrays.
   */
  private readonly full: SegmentRecord[] = [];
  private readonly ring = new PlainRing();
  /** The records of the last simple-form ACK's newlyAcked: the scoreboard's own, never handed to `spare`. */
  private readonly ackPool: SegmentRecord[] = [];
  /** Whether `upd.newlyAcked` holds ackPool's records (not records that left the scoreboard). */
  private updPooled = false;

  /** The records, made from the ring first when the scoreboard is in its simple form. */
  private get segs(): SegmentRecord[] {
    if (this.ring.len > 0) this.materialize();
    return this.full;
  }

  /** Whether the scoreboard holds records (not its simple form, where every segment in flight is plain). */
  get hasRecords(): boolean {
    return this.full.length > 0;
  }

  /** Segments in flight (records or ring entries), without making records. */
  get count(): number {
    return this.full.length + this.ring.len;
  }

  /** A record of a segment sent once, neither SACKed nor lost: one that left the scoreboard if any, else new. */
  private plainRecord(seq: number, end: number, xmitMs: number, xmitOrder: number): SegmentRecord {
    const r = this.spare.pop();
    if (!r) return { seq, end, sacked: false, lost: false, rtxInFlight: false, retransmitted: false, xmitMs, xmitOrder };
    r.seq = seq;
    r.end = end;
    r.sacked = false;
    r.lost = false;
    r.rtxInFlight = false;
    r.retransmitted = false;
    r.xmitMs = xmitMs;
    r.xmitOrder = xmitOrder;
    return r;
  }

  /** The ring's segments become records (the simple form ends). */
  private materialize(): void {
    const ring = this.ring;
    let seq = this.sndUna;
    for (let k = 0; k < ring.len; k++) {
      const i = ring.at(k);
      const end = ring.buf[i]!;
      this.full.push(this.plainRecord(seq, end, ring.buf[i + 1]!, ring.buf[i + 2]!));
      seq = end;
    }
    ring.drop(ring.len);
  }
  /** Transmissions so far (SegmentRecord.xmitOrder). */
  private xmits = 0;
  /** Records that left the scoreboard, for onTransmit to reuse (a bulk sender sends one per segment). */
  private readonly spare: SegmentRecord[] = [];
  /** The one AckUpdate onAck fills and returns (an ACK arrives for nearly every other segment of a bulk transfer). */
  private readonly upd: AckUpdate = { cumAckedBytes: 0, newlyAcked: [], ackedCount: 0, newlySacked: [], sackedCount: 0, newlySackedBytes: 0, deliveredBytes: 0, dsack: undefined };
  /** RFC 6675 "HighACK" (here SND.UNA: every octet before it is acknowledged). */
  sndUna: number;
  /** One past RFC 6675 "HighData", the highest octet sent (SND.MAX). */
  sndNxt: number;
  /** One past RFC 6675 "HighRxt", the highest octet retransmitted in this recovery. */
  highRxtEnd: number;
  /** RFC 6675 "RescueRxt": undefined until the rescue retransmission of this recovery (rule 4) is sent. */
  rescueRxt: number | undefined;
  /** RFC 6675 "RecoveryPoint": one past HighData when recovery began; undefined outside recovery. */
  recoveryPoint: number | undefined;
  /** SND.NXT at the last RTO (RFC 6675 5.1): no new recovery starts until HighACK reaches it. */
  rtoRecoveryPoint: number | undefined;
  /** Bytes SACKed in total (Linux's sacked_out, in bytes). */
  sackedBytes = 0;
  /**
   * Moves whenever a record may have become owed a retransmission (marked lost, or its retransmission deemed
   * gone): every function that marks losses bumps it first. A search for owed records that found none need
   * not run again until it moves (a bulk sender asks on every ACK).
   */
  owedEpoch = 0;
  /** pipe() as last worked out, kept while only new data is sent (a bulk sender asks for it each segment); undefined: stale. */
  private pipeCache: number | undefined;

  /**
   * @param splitOnSack split a segment a SACK block covers in part (RFC 2018 allows blocks at any byte). False:
   * only segments a block covers whole are SACKed, as Linux's tcp_match_skb_to_sack, which splits only at
   * multiples of the MSS, does for segments of one MSS.
   * @param simpleForm keep a sender without loss in the simple form (see above); false only for the tests that
   * hold the simple form to a scoreboard that keeps records throughout.
   */
  constructor(private mss: number, iss: number, readonly dupThresh = DUP_THRESH, readonly splitOnSack = true, private readonly simpleForm = true) {
    this.sndUna = iss;
    this.sndNxt = iss;
    this.highRxtEnd = iss;
  }

  setMss(mss: number): void {
    this.mss = mss;
  }

  /** The records, lowest first (read only: the scoreboard owns them). */
  get segments(): readonly SegmentRecord[] {
    return this.segs;
  }

  get inRecovery(): boolean {
    return this.recoveryPoint !== undefined;
  }

  /** The highest octet any SACK block covers, plus one (RFC 6675 NextSeg (1.b)); SND.UNA when nothing is SACKed. */
  get highSackedEnd(): number {
    if (this.full.length === 0) return this.sndUna;
    for (let i = this.segs.length - 1; i >= 0; i--) if (this.segs[i]!.sacked) return this.segs[i]!.end;
    return this.sndUna;
  }

  /**
   * A transmission: new data at SND.NXT gets a record; a retransmission (below SND.NXT) marks the records it
   * covers as retransmitted and in flight again, with a new transmit time (RFC 8985 6.1, "Segment.xmit_ts").
   */
  onTransmit(seq: number, len: number, nowMs: number): void {
    if (len <= 0) return;
    const end = seqAdd(seq, len);
    if (seq === this.sndNxt && this.full.length === 0 && this.simpleForm) {
      // The simple form: a plain segment is three numbers in the ring.
      this.ring.push(end, nowMs, ++this.xmits);
      this.sndNxt = end;
      if (this.pipeCache !== undefined) this.pipeCache += len;
      return;
    }
    if (seqGe(seq, this.sndNxt)) {
      if (this.ring.len > 0) this.materialize();
      this.full.push(this.plainRecord(seq, end, nowMs, ++this.xmits));
      this.sndNxt = end;
      if (this.pipeCache !== undefined) this.pipeCache += len;
      return;
    }
    this.pipeCache = undefined;
    const from = seqMax(seq, this.sndUna);
    const to = seqMin(end, this.sndNxt);
    if (!seqLt(from, to)) return;
    this.splitAt(from);
    this.splitAt(to);
    const order = ++this.xmits;
    for (let i = this.indexOf(from); i < this.segs.length && seqLt(this.segs[i]!.seq, to); i++) {
      const s = this.segs[i]!;
      if (s.sacked) continue;
      s.retransmitted = true;
      s.rtxInFlight = true;
      s.xmitMs = nowMs;
      s.xmitOrder = order;
    }
    if (seqGt(end, this.sndNxt)) this.onTransmit(this.sndNxt, seqDiff(end, this.sndNxt), nowMs);
  }

  /**
   * An ACK with its SACK blocks (RFC 6675 4 "Update()"): drops what the cumulative ACK covers and marks what
   * the blocks cover as SACKed. Blocks outside [SND.UNA, SND.NXT) are ignored, as Linux's tcp_is_sackblock_valid does.
   */
  onAck(ack: number, blocks: ReadonlyArray<readonly [number, number]> = []): AckUpdate {
    if (blocks.length === 0 && this.full.length === 0 && this.simpleAck(ack)) return this.upd;
    if (this.ring.len > 0) this.materialize();
    // A plain cumulative ACK takes its records' share out of the cached pipe; SACK blocks make it stale.
    if (blocks.length > 0) this.pipeCache = undefined;
    const priorFack = this.fack();
    // The lowest never-retransmitted byte this ACK delivers below what was already SACKed: reordering (Linux's reord).
    let reord: number | undefined;
    const out = this.upd;
    // The last ACK's records left the scoreboard then, and nothing holds them since: new transmissions reuse them.
    if (!this.updPooled) for (let i = 0; i < out.ackedCount; i++) this.spare.push(out.newlyAcked[i]!);
    this.updPooled = false;
    out.cumAckedBytes = 0;
    out.ackedCount = 0;
    out.sackedCount = 0;
    out.newlySackedBytes = 0;
    out.deliveredBytes = 0;
    out.dsack = blocks.length > 0 ? dsackOf(ack, blocks) : undefined;
    if (seqGt(ack, this.sndUna) && seqLe(ack, this.sndNxt)) {
      out.cumAckedBytes = seqDiff(ack, this.sndUna);
      let sackedGone = 0;
      // A record the ACK ends inside is split there first (an ACK at a record's end, the usual case, needs no search).
      if (!this.endsAtRecord(ack)) this.splitAt(ack);
      let n = 0;
      while (n < this.segs.length && seqLe(this.segs[n]!.end, ack)) {
        const s = this.segs[n]!;
        if (s.sacked) {
          sackedGone += seqDiff(s.end, s.seq);
          this.spare.push(s);
        } else {
          if (!s.retransmitted && reord === undefined && seqLt(s.seq, priorFack)) reord = s.seq;
          out.newlyAcked[out.ackedCount++] = s;
          if (this.pipeCache !== undefined) this.pipeCache -= (s.lost ? 0 : seqDiff(s.end, s.seq)) + (s.rtxInFlight ? seqDiff(s.end, s.seq) : 0);
        }
        n++;
      }
      // shift(), not splice(0, n): V8 takes elements off the front of an array by moving its start (O(1)),
      // where splice moves every record left (about 20 times slower with a few thousand in flight).
      for (let k = 0; k < n; k++) this.segs.shift();
      this.sackedBytes -= sackedGone;
      this.sndUna = ack;
      if (seqLt(this.highRxtEnd, ack)) this.highRxtEnd = ack;
      out.deliveredBytes = out.cumAckedBytes - sackedGone;
    }
    for (let b = 0; b < blocks.length; b++) {
      if (b === 0 && out.dsack) continue;
      const [l, r] = blocks[b]!;
      const from = seqMax(l, this.sndUna);
      const to = seqMin(r, this.sndNxt);
      if (!seqLt(from, to) || !seqLt(l, r) || seqGt(r, this.sndNxt)) continue;
      if (this.splitOnSack) {
        this.splitAt(from);
        this.splitAt(to);
      }
      for (let i = this.indexOf(from); i < this.segs.length && seqLt(this.segs[i]!.seq, to); i++) {
        const s = this.segs[i]!;
        if (s.sacked || seqGt(s.end, to)) continue;
        if (!s.retransmitted && seqLt(s.seq, priorFack) && (reord === undefined || seqLt(s.seq, reord))) reord = s.seq;
        if (this.sackedBytes === 0 || seqGt(s.end, this.highSacked)) this.highSacked = s.end;
        s.sacked = true;
        s.lost = false;
        s.rtxInFlight = false;
        const len = seqDiff(s.end, s.seq);
        this.sackedBytes += len;
        out.newlySackedBytes += len;
        out.newlySacked[out.sackedCount++] = s;
      }
    }
    out.deliveredBytes += out.newlySackedBytes;
    if (reord !== undefined) this.noteReordering(reord);
    return out;
  }

  /**
   * How far out of order the peer has received data, in segments (Linux's tp->reordering, TCP_INFO's
   * tcpi_reordering): at first tcp_reordering's 3; raised when data never sent twice is SACKed or acknowledged
   * below the highest SACKed byte, to that distance in segments (tcp_check_sack_reordering; at most
   * tcp_max_reordering, 300). Reported only: DupThresh and RACK's window do not read it.
   */
  reordering = DUP_THRESH;
  /** The end of the highest SACKed data seen (Linux's highest_sack); meaningful while anything is SACKed. */
  private highSacked = 0;

  /**
   * onAck for the simple form (every segment in flight plain, no SACK blocks): the same AckUpdate the records
   * would give, with ackPool's records standing for the segments acknowledged. Nothing is SACKed, so nothing
   * delivered is reordering and nothing is D-SACKed. Returns false, having changed nothing, when the ACK ends
   * inside a segment (the records must be split: onAck's full form does it).
   */
  private simpleAck(ack: number): boolean {
    const ring = this.ring;
    const out = this.upd;
    let n = 0;
    let acked = 0;
    if (seqGt(ack, this.sndUna) && seqLe(ack, this.sndNxt)) {
      while (n < ring.len && seqLe(ring.buf[ring.at(n)]!, ack)) n++;
      if (n === 0 || ring.buf[ring.at(n - 1)]! !== ack) return false;
      acked = seqDiff(ack, this.sndUna);
    }
    if (!this.updPooled) for (let i = 0; i < out.ackedCount; i++) this.spare.push(out.newlyAcked[i]!);
    this.updPooled = true;
    out.ackedCount = 0;
    out.sackedCount = 0;
    out.newlySackedBytes = 0;
    out.dsack = undefined;
    out.cumAckedBytes = acked;
    out.deliveredBytes = acked;
    if (n === 0) return true;
    const pool = this.ackPool;
    let seq = this.sndUna;
    for (let k = 0; k < n; k++) {
      const i = ring.at(k);
      let r = pool[k];
      if (!r) {
        r = { seq: 0, end: 0, sacked: false, lost: false, rtxInFlight: false, retransmitted: false, xmitMs: 0, xmitOrder: 0 };
        pool.push(r);
      }
      r.seq = seq;
      r.end = ring.buf[i]!;
      r.xmitMs = ring.buf[i + 1]!;
      r.xmitOrder = ring.buf[i + 2]!;
      seq = r.end;
      out.newlyAcked[out.ackedCount++] = r;
    }
    ring.drop(n);
    if (this.pipeCache !== undefined) this.pipeCache -= acked;
    this.sndUna = ack;
    if (seqLt(this.highRxtEnd, ack)) this.highRxtEnd = ack;
    return true;
  }

  /** Linux's tcp_highest_sack_seq: the end of the highest SACKed data, or SND.UNA with nothing SACKed. */
  private fack(): number {
    return this.sackedBytes > 0 && seqGt(this.highSacked, this.sndUna) ? this.highSacked : this.sndUna;
  }

  private noteReordering(low: number): void {
    const metric = seqDiff(this.fack(), low);
    if (metric > this.reordering * this.mss) this.reordering = Math.min(Math.ceil(metric / this.mss), 300);
  }

  /**
   * RFC 6675 4 "IsLost(SeqNum)": true when DupThresh discontiguous SACKed segments lie above SeqNum, or more
   * than (DupThresh - 1) * SMSS bytes above it are SACKed.
   */
  isLost(seq: number): boolean {
    // The simple form: nothing is SACKed.
    if (this.full.length === 0) return false;
    let segments = 0;
    let bytes = 0;
    for (let i = this.segs.length - 1; i >= 0; i--) {
      const s = this.segs[i]!;
      if (seqLe(s.end, seq)) break;
      if (!s.sacked) continue;
      segments++;
      bytes += seqDiff(s.end, seqMax(s.seq, seqAdd(seq, 1)));
      if (segments >= this.dupThresh || bytes > (this.dupThresh - 1) * this.mss) return true;
    }
    return false;
  }

  /**
   * Marks every unSACKed segment for which IsLost holds as lost, in one pass from the top (IsLost only grows
   * as sequence numbers fall). Returns the bytes newly marked.
   */
  markLostByDupThresh(): number {
    // Nothing SACKed: IsLost holds nowhere.
    if (this.sackedBytes === 0) return 0;
    this.owedEpoch++;
    this.pipeCache = undefined;
    let segments = 0;
    let bytes = 0;
    let marked = 0;
    let lossFound = false;
    for (let i = this.segs.length - 1; i >= 0; i--) {
      const s = this.segs[i]!;
      if (s.sacked) {
        segments++;
        bytes += seqDiff(s.end, s.seq);
        continue;
      }
      // IsLost(s.seq) counts the SACKed octets above s.seq, and none of s itself is SACKed.
      if (!lossFound && (segments >= this.dupThresh || bytes > (this.dupThresh - 1) * this.mss)) lossFound = true;
      if (lossFound && !s.lost) {
        s.lost = true;
        marked += seqDiff(s.end, s.seq);
      }
    }
    return marked;
  }

  /**
   * RFC 6675 4 "SetPipe()": every unSACKed octet between HighACK and HighData counts once if it is not
   * deemed lost, and once more if a retransmission of it is in flight (Linux: packets_out - sacked_out -
   * lost_out + retrans_out).
   */
  pipe(): number {
    if (this.pipeCache !== undefined) return this.pipeCache;
    // The simple form: every octet in flight counts once.
    if (this.full.length === 0) return seqDiff(this.sndNxt, this.sndUna);
    let pipe = 0;
    for (const s of this.segs) {
      if (s.sacked) continue;
      const len = seqDiff(s.end, s.seq);
      if (!s.lost) pipe += len;
      if (s.rtxInFlight) pipe += len;
    }
    this.pipeCache = pipe;
    return pipe;
  }

  /** Bytes deemed lost and not SACKed, retransmitted or not, and bytes retransmitted and in flight (Linux's lost_out and retrans_out, in bytes). */
  lostAndRetransBytes(): { lost: number; retrans: number } {
    if (this.full.length === 0) return { lost: 0, retrans: 0 };
    let lost = 0;
    let retrans = 0;
    for (const s of this.segs) {
      if (s.lost && !s.sacked) lost += seqDiff(s.end, s.seq);
      if (s.rtxInFlight && !s.sacked) retrans += seqDiff(s.end, s.seq);
    }
    return { lost, retrans };
  }

  /** The lowest unSACKed segment deemed lost with no retransmission in flight (none in the simple form). */
  firstOwed(): SegmentRecord | undefined {
    if (this.full.length === 0) return undefined;
    return this.full.find((s) => s.lost && !s.rtxInFlight && !s.sacked);
  }

  /** Bytes of unSACKed segments deemed lost with no retransmission in flight: what recovery still owes. */
  lostBytes(): number {
    if (this.full.length === 0) return 0;
    let n = 0;
    for (const s of this.segs) if (s.lost && !s.rtxInFlight && !s.sacked) n += seqDiff(s.end, s.seq);
    return n;
  }

  /**
   * RFC 6675 4 "NextSeg()": what to send next during recovery. `newDataBytes` is how much previously unsent
   * data there is and the peer's window allows (rule 2). `rfc6675Holes` turns on rules (1.a) and 3-4, which
   * RFC 6675 has and Linux (which sends only what a loss detector marked lost, tcp_xmit_retransmit_queue) has not.
   */
  nextSeg(newDataBytes: number, rfc6675Holes = true): NextSegment | undefined {
    const highSacked = this.highSackedEnd;
    // Rule 1: the lowest lost unSACKed range above HighRxt (1.a), below the highest SACKed octet (1.b), lost (1.c).
    for (const s of this.segs) {
      if (s.sacked || !s.lost || s.rtxInFlight) continue;
      // (4.3): the segment at HighACK + 1 that entering recovery deemed lost goes first, SACK blocks or not.
      if (rfc6675Holes && s.seq !== this.sndUna && (seqLt(s.seq, this.highRxtEnd) || !seqLt(s.seq, highSacked))) continue;
      return { seq: s.seq, len: Math.min(this.mss, seqDiff(s.end, s.seq)), rule: 1 };
    }
    // Rule 2: new data, when there is some and the window allows.
    if (newDataBytes > 0) return { seq: this.sndNxt, len: Math.min(this.mss, newDataBytes), rule: 2 };
    if (!rfc6675Holes) return undefined;
    // Rule 3: an unSACKed range above HighRxt and below the highest SACKed octet, lost or not.
    for (const s of this.segs) {
      if (s.sacked || s.rtxInFlight || seqLt(s.seq, this.highRxtEnd) || !seqLt(s.seq, highSacked)) continue;
      return { seq: s.seq, len: Math.min(this.mss, seqDiff(s.end, s.seq)), rule: 3 };
    }
    // Rule 4: once per recovery, the segment holding the highest outstanding unSACKed octet (the rescue).
    // We read "outstanding" as "not already sent again in this recovery": a rescue of a segment whose
    // retransmission is in flight (the last hole, say) would only duplicate it. Linux has no rescue.
    if (this.recoveryPoint !== undefined && (this.rescueRxt === undefined || seqGt(this.sndUna, this.rescueRxt))) {
      for (let i = this.segs.length - 1; i >= 0; i--) {
        const s = this.segs[i]!;
        if (s.sacked) continue;
        if (s.rtxInFlight) break;
        const len = Math.min(this.mss, seqDiff(s.end, s.seq));
        return { seq: seqAdd(s.end, -len), len, rule: 4 };
      }
    }
    return undefined;
  }

  /**
   * Record what NextSeg chose as sent (RFC 6675 5 (C.2)-(C.4)): a retransmission raises HighRxt, except the
   * rescue (rule 4), which sets RescueRxt to RecoveryPoint instead; new data extends HighData.
   */
  onNextSegSent(seg: NextSegment, nowMs: number): void {
    this.onTransmit(seg.seq, seg.len, nowMs);
    const end = seqAdd(seg.seq, seg.len);
    if (seg.rule === 4) this.rescueRxt = seqAdd(this.recoveryPoint ?? this.sndNxt, -1);
    else if (seg.rule !== 2 && seqGt(end, this.highRxtEnd)) this.highRxtEnd = end;
  }

  /**
   * RFC 6675 5 step (4): enter loss recovery. RecoveryPoint = HighData; the first segment (HighACK + 1) is
   * deemed lost so it goes first (RACK-TLP, which found its own losses, leaves it to them); HighRxt and
   * RescueRxt start at HighACK (they rise as (4.3) is sent).
   */
  /** Records were changed from outside (RACK marks losses on them): pipe must be worked out again. */
  touched(): void {
    this.pipeCache = undefined;
  }


  enterRecovery(markFirstLost = true): void {
    this.pipeCache = undefined;
    this.owedEpoch++;
    this.recoveryPoint = this.sndNxt;
    this.highRxtEnd = this.sndUna;
    this.rescueRxt = undefined;
    const first = this.segs[0];
    if (markFirstLost && first && !first.sacked) first.lost = true;
  }

  /** RFC 6675 5 (A): a cumulative ACK beyond RecoveryPoint ends recovery; the scoreboard above HighACK is kept. */
  maybeExitRecovery(): boolean {
    if (this.recoveryPoint === undefined || seqLt(this.sndUna, this.recoveryPoint)) return false;
    this.recoveryPoint = undefined;
    this.rescueRxt = undefined;
    return true;
  }

  /**
   * RFC 6675 5 (step 2): may a new recovery begin? Not while an RTO's recovery is still being repaired
   * (5.1: "until HighACK is greater than or equal to the new value of RecoveryPoint").
   */
  mayEnterRecovery(): boolean {
    if (this.recoveryPoint !== undefined) return false;
    if (this.rtoRecoveryPoint !== undefined && seqLt(this.sndUna, this.rtoRecoveryPoint)) return false;
    return true;
  }

  /**
   * RFC 6675 5.1 after a retransmission timeout: recovery ends, RecoveryPoint becomes HighData, and
   * (as Linux's tcp_enter_loss does) every unSACKed segment is deemed lost and no retransmission is in flight.
   * A receiver may renege (RFC 2018 8), so SACKed segments stay SACKed only as an advice for what to skip.
   * With `markAllLost` false (RACK-TLP, RFC 8985 6.3) the caller marks the losses.
   */
  onRto(markAllLost = true): void {
    this.pipeCache = undefined;
    this.owedEpoch++;
    this.recoveryPoint = undefined;
    this.rescueRxt = undefined;
    this.rtoRecoveryPoint = this.sndNxt;
    this.highRxtEnd = this.sndUna;
    for (const s of this.segs) {
      if (s.sacked) continue;
      if (markAllLost) s.lost = true;
      s.rtxInFlight = false;
    }
  }

  /**
   * A timeout proved spurious (Eifel, RFC 3522; F-RTO, RFC 5682 2.1 step 3b): nothing is deemed lost any more,
   * and the timeout's recovery point is gone (Linux's tcp_undo_cwnd_reduction with unmark_loss).
   */
  unmarkLost(): void {
    this.pipeCache = undefined;
    this.rtoRecoveryPoint = undefined;
    for (const s of this.segs) s.lost = false;
  }

  /** Whether the record holding `seq` is SACKed (false for a byte not in flight). */
  isSacked(seq: number): boolean {
    const i = this.indexOf(seq);
    const s = this.segs[i]?.seq === seq ? this.segs[i] : this.segs[i - 1];
    return s !== undefined && seqGe(seq, s.seq) && seqLt(seq, s.end) && s.sacked;
  }

  /** The index of the record starting at `seq` (or the first after it). */
  private indexOf(seq: number): number {
    let lo = 0;
    let hi = this.segs.length;
    const off = seqDiff(seq, this.sndUna);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seqDiff(this.segs[mid]!.seq, this.sndUna) < off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether `seq` is SND.NXT or the end of one of the first two records (where a cumulative ACK usually lands). */
  private endsAtRecord(seq: number): boolean {
    const segs = this.segs;
    return seq === this.sndNxt || (segs.length > 0 && segs[0]!.end === seq) || (segs.length > 1 && segs[1]!.end === seq);
  }

  /** Split the record holding `seq` so that a record starts at `seq` (both halves keep the flags and time). */
  private splitAt(seq: number): void {
    const i = this.indexOf(seq);
    const prev = this.segs[i - 1];
    if (!prev || !seqLt(seq, prev.end) || !seqGt(seq, prev.seq)) return;
    this.segs.splice(i, 0, { ...prev, seq });
    prev.end = seq;
  }
}
