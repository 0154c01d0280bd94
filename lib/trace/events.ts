/**
 * Trace events: the JSON Lines contract of docs/trace-format.md.
 * One object a line, in the order things happened; `t` is virtual (or real, on the UDP link)
 * time in milliseconds since the start of the run. Fields may be added, never removed or renamed.
 */
import { TCP_STATES, type TcpStateName } from '../tcp/states.ts';
import type { TimerName } from '../tcp/timers.ts';
import type { CongestionSnapshot } from '../tcp/tcb.ts';

/** First line of every trace: enough to replay it without the scenario file. */
export interface MetaEvent {
  type: 'meta';
  scenario: string;
  seed: number;
  version: string;
  /** The scenario file's text, verbatim. */
  source: string;
}

/** tcpdump's flag letters in tcpdump's order: F S R P . U E W; "none" when no flag is set. */
export type FlagString = string;

export interface SegmentEvent {
  t: number;
  type: 'segment';
  /** tx: the host handed it to the link; rx: the host took it from the link; drop: it died. */
  event: 'tx' | 'rx' | 'drop';
  /** Who sent (tx, drop on the link) or who received (rx, drop at the receiver's edge). */
  host: string;
  /** Connection id on that host (e.g. "c1"), when the segment belongs to one. */
  conn?: string;
  src: string; // "addr:port"
  dst: string; // "addr:port"
  flags: FlagString;
  /** Absolute sequence and acknowledgment numbers (uint32). */
  seq: number;
  ack: number;
  /** Relative to the sender's / receiver's initial sequence number (the SYN is 0). */
  rseq: number;
  rack: number;
  /** Window in bytes, after scaling, as the receiver will interpret it. */
  win: number;
  /** Payload length in bytes. */
  len: number;
  /** tcpdump-style option strings: "mss 1460", "nop", "wscale 7", "sackOK", "TS val 1 ecr 0", "sack 1 {10:20}". */
  options: string[];
  /** With `drop`: why (loss, scripted, corrupt, queue, mtu, down, checksum, no-route, ...). */
  reason?: string;
  /** With tx: true when this segment repeats sequence space sent before. */
  retransmit?: boolean;
  /**
   * With tx: which timer or rule caused it (rto, persist, fast-retransmit, delack, dup-syn: a SYN-ACK
   * sent again because the SYN came again, ...), when not plain. Any string is valid; the views print
   * it in the words of views/words.ts WHY_WORDS, or as written when that table has none.
   */
  why?: string;
  /** With tx: true for a segment written by the scenario (`link: inject ...`), not by a host's TCP. */
  forged?: boolean;
}

// The connection's states and timers are lib/tcp's (lib/tcp/states.ts, lib/tcp/timers.ts); the trace records them by these names.
export { TCP_STATES, type TcpStateName, type TimerName };

export interface StateEvent {
  t: number;
  type: 'state';
  host: string;
  conn: string;
  from: TcpStateName;
  to: TcpStateName;
  /** What caused it, e.g. "rcv SYN", "app close", "rcv ACK of FIN", "timewait timeout", "rcv RST". */
  cause: string;
}

export interface AppEvent {
  t: number;
  type: 'app';
  host: string;
  conn: string;
  /**
   * connect: active open completed; accept: passive open completed; data: the application read
   * `bytes`; end: end-of-stream seen; close: the socket is fully closed; error: `error` holds a
   * Node error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE).
   * The others record what the application asked for: listen, open, send, shutdown, close-req, abort, read.
   */
  event: 'connect' | 'accept' | 'data' | 'end' | 'close' | 'error'
    | 'listen' | 'open' | 'send' | 'shutdown' | 'close-req' | 'abort' | 'read';
  bytes?: number;
  error?: string;
}


export interface TimerEvent {
  t: number;
  type: 'timer';
  host: string;
  conn: string;
  timer: TimerName;
  event: 'set' | 'fire' | 'cancel';
  /** With `set`: the deadline, in ms of the same clock as `t`. */
  at?: number;
}

/**
 * Sender-side congestion and window figures, written whenever one of them changes: the connection's
 * snapshot (lib/tcp/tcb.ts; all bytes but `rto`, in ms), with when and whose.
 */
export interface CongestionEvent extends CongestionSnapshot {
  t: number;
  type: 'cc';
  host: string;
  conn: string;
}

/** A scenario `expect` step, as checked at its time. */
export interface ExpectEvent {
  t: number;
  type: 'expect';
  host: string;
  what: string;
  ok: boolean;
  detail?: string;
}

/** The queue of a shared bottleneck's direction (lib/link/bottleneck.ts) as a packet reached its router, after the router took or dropped it. */
export interface QueueEvent {
  t: number;
  type: 'queue';
  /** The router that holds the queue: "router:left" (for left>right) or "router:right"; never a host's name. */
  host: string;
  /** "left>right" or "right>left". */
  link: string;
  /** Packets and bytes in the queue, the one being sent included. */
  packets: number;
  bytes: number;
}

export type TraceEvent = MetaEvent | SegmentEvent | StateEvent | AppEvent | TimerEvent | CongestionEvent | ExpectEvent | QueueEvent;
export type TimedEvent = Exclude<TraceEvent, MetaEvent>;
