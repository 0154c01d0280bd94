import { congestionControlNames, lossRecoveryNames } from './cc/registry.ts';
import { FAST_OPEN_CHOICES, type FastOpenChoice } from './tfo.ts';
import { LINUX_RMEM_MAX } from './rcvbuf-auto.ts';

/**
 * Per-connection TCP settings. Every switch of the model is here, named for what it does and with its unit.
 * The scenario file spells them in kebab-case (`delayed-ack`, `rto-min`); see README "TCP settings".
 */
export interface TcpConfig {
  /** Maximum segment size we announce and the largest payload we send (bytes). */
  mss: number;
  /** Receive buffer (bytes): the advertised window is its free space. */
  rcvbuf: number;
  /** Send buffer (bytes): `send` accepts no more than this unsent + unacknowledged. */
  sndbuf: number;
  /** Maximum segment lifetime (ms); TIME-WAIT lasts 2 * mslMs (RFC 9293 3.4.2). */
  mslMs: number;
  /** Initial sequence number: 'random' draws it from the seeded source, a number fixes it. */
  isn: 'random' | number;
  /** The application reads as soon as data arrives; false: only on an explicit `read`. */
  autoread: boolean;
  /** Where the RFCs leave a choice: 'rfc' takes the RFCs' conservative values, 'linux' Linux's. */
  profile: 'rfc' | 'linux';
  /** Nagle's algorithm (RFC 9293 3.7.4; RFC 1122 4.2.3.4). */
  nagle: boolean;
  /** Delayed ACKs (RFC 9293 3.8.6.3; RFC 1122 4.2.3.2): ACK at least every second full segment, else within delayedAckMs. */
  delayedAck: boolean;
  delayedAckMs: number;
  /** Window scale option (RFC 7323 2); the shift is the smallest that covers rcvbuf. */
  windowScale: boolean;
  /** SACK-permitted and SACK blocks (RFC 2018). */
  sack: boolean;
  /** Timestamps option (RFC 7323 3). */
  timestamps: boolean;
  /** Initial congestion window, in segments (RFC 5681 3.1 gives at most 2-4; RFC 6928 allows 10). */
  initialWindow: number;
  /** RTO bounds and initial value (RFC 6298 2: initial 1 s, minimum 1 s; Linux uses 200 ms minimum). */
  rtoInitialMs: number;
  rtoMinMs: number;
  rtoMaxMs: number;
  /** Retransmissions of a SYN (or SYN-ACK) before giving up with ETIMEDOUT. */
  synRetries: number;
  /** Retransmissions of data or FIN before giving up with ETIMEDOUT (RFC 9293 3.8.3 R2). */
  maxRetries: number;
  /** Keep-alive probes (RFC 9293 3.8.4): off when 0, else idle time before the first probe (ms). */
  keepaliveMs: number;
  keepaliveIntervalMs: number;
  keepaliveProbes: number;
  /** Persist timer bounds for zero-window probes (ms). */
  persistMinMs: number;
  persistMaxMs: number;
  /**
   * Bytes the window-scale shift must cover (RFC 7323 2.3), when that is not rcvbuf: Linux sizes it for the
   * largest receive buffer (tcp_rmem's third value), not the first one. Not a scenario key; `tcpemu packetdrill` sets it.
   */
  scaleBytes?: number;
  /**
   * How long a connection the application has closed may wait in FIN-WAIT-2 for the peer's FIN (ms), as
   * Linux's net.ipv4.tcp_fin_timeout (60 s) bounds an orphaned socket's; RFC 9293 sets no limit, nor does
   * the model when this is left out. Not a scenario key; `tcpemu packetdrill` sets it.
   */
  finTimeoutMs?: number;
  /**
   * The congestion control and the loss recovery, by the names they are registered under in
   * lib/tcp/cc/registry.ts; absent: 'reno' (RFC 5681) and 'newreno' (RFC 6582). Not scenario keys yet.
   */
  congestionControl?: string;
  lossRecovery?: string;
  /** Proportional Rate Reduction in SACK recovery (RFC 6937); off when absent. */
  prr?: boolean;
  /** Undo a reduction that D-SACK (RFC 2883 5) or timestamps (Eifel, RFC 3522) proved needless, as Linux's tcp_try_undo_*; off when absent. */
  undo?: boolean;
  /** The receiver reports duplicate segments in a D-SACK block (RFC 2883 4); off when absent. */
  dsack?: boolean;
  /**
   * TCP Fast Open (RFC 7413, lib/tcp/tfo.ts), as Linux's net.ipv4.tcp_fastopen: 'client' lets a connection
   * opened with data (MSG_FASTOPEN; Host.connect's `fastOpen`) ask for and use cookies, 'server' lets
   * listeners give cookies and take data on a SYN, 'both' both; off when absent. Linux's default is 1, client only.
   */
  fastOpen?: FastOpenChoice;
  /** F-RTO (RFC 5682 2.1): after a timeout, send new data and judge from the next two ACKs whether it was spurious; off when absent. */
  frto?: boolean;
  /**
   * Restart after idle (RFC 5681 4.1; lib/tcp/idle-restart.ts): after more than an RTO without sending data,
   * cwnd falls to the restart window min(IW, cwnd) before data goes again. The linux profile does it Linux's
   * way (net.ipv4.tcp_slow_start_after_idle = 1, its default: halving once per RTO idle, down to that window).
   * Off when absent.
   */
  slowStartAfterIdle?: boolean;
  /**
   * Linux's tcp_min_tso_segs (default 2): the fewest segments of an offloaded (TSO/GSO) packet, which the linux
   * profile uses only to say where PSH goes (lib/tcp/linux-push.ts).
   */
  minTsoSegs?: number;
  /**
   * Linux's send-buffer autotuning (tcp_sndbuf_expand; lib/tcp/sndbuf-auto.ts): the send buffer grows from
   * `sndbuf` to hold twice cwnd's worth of segments, at most 4 MiB. Not a scenario key: resolveConfig turns it
   * on for the linux profile when no `sndbuf` is given (as Linux autotunes a socket whose application did not
   * set SO_SNDBUF).
   */
  sndbufAuto?: boolean;
  /**
   * Linux's receive-buffer autotuning and quick-ACK accounting (tcp_grow_window, tcp_rcv_space_adjust;
   * lib/tcp/rcvbuf-auto.ts): the window grows from `rcvbuf` as data comes and the application reads it. Not a
   * scenario key: resolveConfig turns it on for the linux profile when no `rcvbuf` is given (as Linux autotunes
   * a socket whose application did not set SO_RCVBUF), with the window scale sized for tcp_rmem[2].
   */
  rcvbufAuto?: boolean;
}

export type TcpConfigInput = Partial<TcpConfig>;

export const rfcDefaults: Readonly<TcpConfig> = Object.freeze({
  mss: 1460,
  rcvbuf: 65535,
  sndbuf: 65535,
  mslMs: 30_000,
  isn: 'random',
  autoread: true,
  profile: 'rfc',
  nagle: true,
  delayedAck: true,
  delayedAckMs: 200,
  windowScale: false,
  sack: false,
  timestamps: false,
  initialWindow: 3,
  rtoInitialMs: 1000,
  rtoMinMs: 1000,
  rtoMaxMs: 60_000,
  synRetries: 6,
  maxRetries: 15,
  keepaliveMs: 0,
  keepaliveIntervalMs: 75_000,
  keepaliveProbes: 9,
  persistMinMs: 1000,
  persistMaxMs: 60_000,
  // Linux's tcp_min_tso_segs; read only by the linux profile's PSH rule (lib/tcp/linux-push.ts).
  minTsoSegs: 2,
});

/** Linux's choices where the RFCs leave one (net/ipv4/tcp*.c defaults, kernel 6.x). */
export const linuxDefaults: Readonly<TcpConfig> = Object.freeze({
  ...rfcDefaults,
  profile: 'linux',
  windowScale: true,
  sack: true,
  timestamps: true,
  initialWindow: 10,
  delayedAckMs: 40,
  rtoMinMs: 200,
  rtoMaxMs: 120_000,
  persistMinMs: 200,
  persistMaxMs: 120_000,
  // Linux's loss recovery: RACK-TLP (net.ipv4.tcp_recovery = 1, tcp_early_retrans = 3), PRR, D-SACK
  // (tcp_dsack = 1), undo (tcp_input.c's tcp_try_undo_*, by D-SACK and by timestamps) and F-RTO (tcp_frto = 2).
  lossRecovery: 'rack-tlp',
  prr: true,
  dsack: true,
  undo: true,
  // net.ipv4.tcp_fastopen = 1 (TFO_CLIENT_ENABLE): the client side only.
  fastOpen: 'client',
  frto: true,
  // net.ipv4.tcp_slow_start_after_idle = 1.
  slowStartAfterIdle: true,
  // Linux's congestion control: CUBIC (net.ipv4.tcp_congestion_control = cubic), here with HyStart++.
  congestionControl: 'cubic',
});

/**
 * The largest send or receive buffer, in bytes (1 GiB): a window scaled by 14 offers at most 65535 * 2^14,
 * just under it (RFC 7323 2.3), and it is as much as a laptop should give one connection.
 */
export const MAX_BUFFER_BYTES = 2 ** 30;
/** The largest MSS: an IPv4 packet of 65535 bytes less 40 bytes of headers. */
export const MAX_MSS = 65495;

/** A setting out of its range; `key` is the TcpConfig field (the scenario loader maps it back to a position). */
export class TcpConfigError extends Error {
  override name = 'TcpConfigError';
  constructor(readonly key: keyof TcpConfig, message: string, readonly hint: string) {
    super(message);
  }
}

/**
 * How a setting is written and which values it takes. One row per setting: the checks below
 * (configProblems), the scenario file's keys and types (lib/scenario/schema.ts), the fuzzer's values
 * (lib/fuzz/structured.ts) and the table in docs/scenario-format.md (checked by test/docs) all come
 * from SETTINGS, so a bound is written once.
 */
export type SettingKind =
  /** A size in bytes: the scenario file may write units (64k, 1m, 1g). */
  | { kind: 'bytes'; min: number; max: number }
  /** A plain whole number. */
  | { kind: 'count'; min: number; max: number }
  /** Milliseconds (the file writes 200ms, 1s, 2h); `positive`: more than 0; `offWhenFalse`: `false` means 0 (off). */
  | { kind: 'duration'; positive: boolean; offWhenFalse?: boolean }
  | { kind: 'boolean' }
  | { kind: 'choice'; values: readonly string[] }
  /** 'random', or a 32-bit sequence number. */
  | { kind: 'isn' };

export type Setting = SettingKind & {
  /** The scenario file's spelling (kebab-case). */
  key: string;
  /** May be left undefined (the module's own default then holds). */
  optional?: true;
  field: keyof TcpConfig;
  /** What would be right, for an error's hint. */
  hint: string;
};

const duration = (key: string, field: keyof TcpConfig, positive: boolean, hint: string): Setting => ({ key, field, kind: 'duration', positive, hint });
const flag = (key: string, field: keyof TcpConfig, hint: string): Setting => ({ key, field, kind: 'boolean', hint });

/** Every TCP setting a scenario (or a library user) can give, in the order the docs list them. */
export const SETTINGS: readonly Setting[] = Object.freeze([
  { key: 'mss', field: 'mss', kind: 'bytes', min: 1, max: MAX_MSS, hint: 'the payload of one IPv4 packet, at most 65535 - 40 bytes' },
  { key: 'rcvbuf', field: 'rcvbuf', kind: 'bytes', min: 1, max: MAX_BUFFER_BYTES, hint: 'at most 1 GiB (1g): no scaled window is larger (RFC 7323 2.3)' },
  { key: 'sndbuf', field: 'sndbuf', kind: 'bytes', min: 1, max: MAX_BUFFER_BYTES, hint: 'at most 1 GiB (1g)' },
  duration('msl', 'mslMs', false, 'the maximum segment lifetime; TIME-WAIT lasts twice it'),
  { key: 'isn', field: 'isn', kind: 'isn', hint: "'random', or a whole number from 0 to 4294967295" },
  flag('autoread', 'autoread', 'true: the application reads as data arrives; false: only on a read step'),
  { key: 'profile', field: 'profile', kind: 'choice', values: ['rfc', 'linux'], hint: "rfc (the RFCs' conservative choices) or linux (Linux's)" },
  flag('nagle', 'nagle', "Nagle's algorithm on or off"),
  flag('delayed-ack', 'delayedAck', 'delayed ACKs on or off'),
  duration('delayed-ack-time', 'delayedAckMs', false, 'the longest an ACK waits'),
  flag('window-scale', 'windowScale', 'the window scale option (RFC 7323) on or off'),
  flag('sack', 'sack', 'SACK (RFC 2018) on or off'),
  flag('timestamps', 'timestamps', 'the timestamps option (RFC 7323) on or off'),
  { key: 'initial-window', field: 'initialWindow', kind: 'count', min: 1, max: 1_000_000, hint: 'segments; RFC 5681 allows 2-4, RFC 6928 10' },
  duration('rto-initial', 'rtoInitialMs', true, 'RFC 6298 2.1: 1 s'),
  duration('rto-min', 'rtoMinMs', true, 'RFC 6298 2.4: 1 s; Linux 200 ms'),
  duration('rto-max', 'rtoMaxMs', true, 'RFC 6298 2.5: at least 60 s'),
  { key: 'syn-retries', field: 'synRetries', kind: 'count', min: 0, max: 255, hint: 'retransmissions of a SYN before ETIMEDOUT' },
  { key: 'max-retries', field: 'maxRetries', kind: 'count', min: 0, max: 255, hint: 'retransmissions of data before ETIMEDOUT' },
  { key: 'keepalive', field: 'keepaliveMs', kind: 'duration', positive: false, offWhenFalse: true, hint: 'false (off) or the idle time, e.g. 2h' },
  duration('keepalive-interval', 'keepaliveIntervalMs', true, 'the time between two probes'),
  { key: 'keepalive-probes', field: 'keepaliveProbes', kind: 'count', min: 1, max: 255, hint: 'probes unanswered before ETIMEDOUT' },
  duration('persist-min', 'persistMinMs', true, 'the shortest zero-window probe interval'),
  duration('persist-max', 'persistMaxMs', true, 'the longest zero-window probe interval'),
  // The registry's names as they are when asked: a module registered later (lib/tcp/cc/registry.ts) is a choice too.
  { key: 'congestion-control', field: 'congestionControl', kind: 'choice', get values() { return congestionControlNames(); }, optional: true, hint: 'how cwnd grows and falls (lib/tcp/cc/registry.ts)' },
  { key: 'recovery', field: 'lossRecovery', kind: 'choice', get values() { return lossRecoveryNames(); }, optional: true, hint: 'newreno (RFC 6582), sack (RFC 6675) or rack-tlp (RFC 8985)' },
  { ...flag('prr', 'prr', 'Proportional Rate Reduction in SACK recovery (RFC 6937) on or off'), optional: true },
  { ...flag('dsack', 'dsack', 'D-SACK blocks for duplicate segments (RFC 2883) on or off'), optional: true },
  { ...flag('undo', 'undo', 'undo a reduction D-SACK or timestamps (RFC 3522) proved needless, on or off'), optional: true },
  { key: 'fast-open', field: 'fastOpen', kind: 'choice', values: FAST_OPEN_CHOICES, optional: true, hint: 'TCP Fast Open (RFC 7413): off, client, server or both (Linux: client)' },
  { ...flag('frto', 'frto', 'F-RTO after a retransmission timeout (RFC 5682) on or off'), optional: true },
  { ...flag('slow-start-after-idle', 'slowStartAfterIdle', 'cwnd back to the restart window after an RTO without sending (RFC 5681 4.1) on or off'), optional: true },
  { key: 'min-tso-segs', field: 'minTsoSegs', kind: 'count', min: 1, max: 64, optional: true, hint: "Linux's tcp_min_tso_segs: the fewest segments of an offloaded packet (where the linux profile sets PSH)" },
] satisfies Setting[]);

/** Every rule a configuration must keep, with a message and a hint each; empty when it keeps them all. */
export function configProblems(c: TcpConfig): TcpConfigError[] {
  const out: TcpConfigError[] = [];
  for (const s of SETTINGS) {
    const v = c[s.field] as unknown;
    if (v === undefined && s.optional) continue;
    const bad = (rule: string) => out.push(new TcpConfigError(s.field, `${s.field} is ${String(v)}; it must be ${rule}`, s.hint));
    switch (s.kind) {
      case 'bytes':
      case 'count':
        if (!(Number.isInteger(v) && (v as number) >= s.min && (v as number) <= s.max)) bad(`a whole number from ${s.min} to ${s.max}`);
        break;
      case 'duration':
        if (!(typeof v === 'number' && Number.isFinite(v) && (s.positive ? v > 0 : v >= 0))) bad(`a time ${s.positive ? 'above' : 'of at least'} 0 ms`);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') bad('true or false');
        break;
      case 'choice':
        if (!s.values.includes(v as string)) bad(`one of ${s.values.join(', ')}`);
        break;
      case 'isn':
        if (v !== 'random' && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff)) out.push(new TcpConfigError(s.field, `isn is ${String(v)}`, s.hint));
        break;
    }
  }
  if (c.rtoMinMs > c.rtoMaxMs) out.push(new TcpConfigError('rtoMinMs', `rtoMinMs (${c.rtoMinMs} ms) is more than rtoMaxMs (${c.rtoMaxMs} ms)`, 'the minimum RTO cannot exceed the maximum'));
  if (c.persistMinMs > c.persistMaxMs) out.push(new TcpConfigError('persistMinMs', `persistMinMs (${c.persistMinMs} ms) is more than persistMaxMs (${c.persistMaxMs} ms)`, 'the shortest persist interval cannot exceed the longest'));
  return out;
}

/** Defaults of the profile, overridden by what was given; throws the first TcpConfigError of configProblems. */
export function resolveConfig(input: TcpConfigInput = {}): TcpConfig {
  const base = input.profile === 'linux' ? linuxDefaults : rfcDefaults;
  const out: TcpConfig = { ...base };
  for (const [k, v] of Object.entries(input)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  if (out.profile === 'linux' && input.sndbufAuto === undefined && input.sndbuf === undefined) out.sndbufAuto = true;
  if (out.profile === 'linux' && input.rcvbufAuto === undefined && input.rcvbuf === undefined) out.rcvbufAuto = true;
  // tcp_select_initial_window sizes the window scale for the largest buffer autotuning may reach (tcp_rmem[2]).
  if (out.rcvbufAuto && out.scaleBytes === undefined) out.scaleBytes = LINUX_RMEM_MAX;
  const problem = configProblems(out)[0];
  if (problem) throw problem;
  return out;
}

/** Scenario-file spelling of every key (kebab-case), for the parser and for error hints. */
export const configKeyNames: Readonly<Record<string, keyof TcpConfig>> = Object.freeze(Object.fromEntries(SETTINGS.map((s) => [s.key, s.field])));
