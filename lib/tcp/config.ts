import { congestionControlNames, lossRecoveryNames } from './cc/registry.ts';

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
   * The congestion control and the loss recovery, by the names they are registered under in
   * lib/tcp/cc/registry.ts; absent: 'reno' (RFC 5681) and 'newreno' (RFC 6582). Not scenario keys yet.
   */
  congestionControl?: string;
  lossRecovery?: string;
  /** Proportional Rate Reduction in SACK recovery (RFC 6937); off when absent. */
  prr?: boolean;
  /** Undo a reduction that D-SACK proved needless (RFC 2883 5, Linux's tcp_try_undo_*); off when absent. */
  undo?: boolean;
  /** The receiver reports duplicate segments in a D-SACK block (RFC 2883 4); off when absent. */
  dsack?: boolean;
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
  // (tcp_dsack = 1) and undo (tcp_input.c's tcp_try_undo_*).
  lossRecovery: 'rack-tlp',
  prr: true,
  dsack: true,
  undo: true,
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

/** Every rule a configuration must keep, with a message and a hint each; empty when it keeps them all. */
export function configProblems(c: TcpConfig): TcpConfigError[] {
  const out: TcpConfigError[] = [];
  const whole = (key: keyof TcpConfig, min: number, max: number, why: string) => {
    const v = c[key] as number;
    if (!(Number.isInteger(v) && v >= min && v <= max)) out.push(new TcpConfigError(key, `${key} is ${v}; it must be a whole number from ${min} to ${max}`, why));
  };
  const time = (key: keyof TcpConfig, positive: boolean) => {
    const v = c[key] as number;
    if (!(Number.isFinite(v) && (positive ? v > 0 : v >= 0))) out.push(new TcpConfigError(key, `${key} is ${v}; it must be a time ${positive ? 'above' : 'of at least'} 0 ms`, 'a finite number of milliseconds'));
  };
  whole('mss', 1, MAX_MSS, 'the payload of one IPv4 packet, at most 65535 - 40 bytes');
  whole('rcvbuf', 1, MAX_BUFFER_BYTES, 'at most 1 GiB (1g): no scaled window is larger (RFC 7323 2.3)');
  whole('sndbuf', 1, MAX_BUFFER_BYTES, 'at most 1 GiB (1g)');
  if (c.isn !== 'random' && !(Number.isInteger(c.isn) && c.isn >= 0 && c.isn <= 0xffffffff)) out.push(new TcpConfigError('isn', `isn is ${c.isn}`, "'random', or a whole number from 0 to 4294967295"));
  whole('initialWindow', 1, Number.MAX_SAFE_INTEGER, 'segments; RFC 5681 allows 2-4, RFC 6928 10');
  whole('synRetries', 0, 255, 'retransmissions of a SYN before ETIMEDOUT');
  whole('maxRetries', 0, 255, 'retransmissions of data before ETIMEDOUT');
  whole('keepaliveProbes', 1, 255, 'probes unanswered before ETIMEDOUT');
  for (const k of ['mslMs', 'delayedAckMs', 'keepaliveMs'] as const) time(k, false);
  for (const k of ['rtoInitialMs', 'rtoMinMs', 'rtoMaxMs', 'keepaliveIntervalMs', 'persistMinMs', 'persistMaxMs'] as const) time(k, true);
  if (c.rtoMinMs > c.rtoMaxMs) out.push(new TcpConfigError('rtoMinMs', `rtoMinMs (${c.rtoMinMs} ms) is more than rtoMaxMs (${c.rtoMaxMs} ms)`, 'the minimum RTO cannot exceed the maximum'));
  if (c.congestionControl !== undefined && !congestionControlNames().includes(c.congestionControl)) out.push(new TcpConfigError('congestionControl', `congestionControl is ${c.congestionControl}`, `one of ${congestionControlNames().join(', ')}`));
  if (c.lossRecovery !== undefined && !lossRecoveryNames().includes(c.lossRecovery)) out.push(new TcpConfigError('lossRecovery', `lossRecovery is ${c.lossRecovery}`, `one of ${lossRecoveryNames().join(', ')}`));
  if (c.persistMinMs > c.persistMaxMs) out.push(new TcpConfigError('persistMinMs', `persistMinMs (${c.persistMinMs} ms) is more than persistMaxMs (${c.persistMaxMs} ms)`, 'the shortest persist interval cannot exceed the longest'));
  return out;
}

/** Defaults of the profile, overridden by what was given; throws the first TcpConfigError of configProblems. */
export function resolveConfig(input: TcpConfigInput = {}): TcpConfig {
  const base = input.profile === 'linux' ? linuxDefaults : rfcDefaults;
  const out: TcpConfig = { ...base };
  for (const [k, v] of Object.entries(input)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  const problem = configProblems(out)[0];
  if (problem) throw problem;
  return out;
}

/** Scenario-file spelling of every key (kebab-case), for the parser and for error hints. */
export const configKeyNames: Readonly<Record<string, keyof TcpConfig>> = Object.freeze({
  'mss': 'mss',
  'rcvbuf': 'rcvbuf',
  'sndbuf': 'sndbuf',
  'msl': 'mslMs',
  'isn': 'isn',
  'autoread': 'autoread',
  'profile': 'profile',
  'nagle': 'nagle',
  'delayed-ack': 'delayedAck',
  'delayed-ack-time': 'delayedAckMs',
  'window-scale': 'windowScale',
  'sack': 'sack',
  'timestamps': 'timestamps',
  'initial-window': 'initialWindow',
  'rto-initial': 'rtoInitialMs',
  'rto-min': 'rtoMinMs',
  'rto-max': 'rtoMaxMs',
  'syn-retries': 'synRetries',
  'max-retries': 'maxRetries',
  'keepalive': 'keepaliveMs',
  'keepalive-interval': 'keepaliveIntervalMs',
  'keepalive-probes': 'keepaliveProbes',
  'persist-min': 'persistMinMs',
  'persist-max': 'persistMaxMs',
  'congestion-control': 'congestionControl',
  'recovery': 'lossRecovery',
  'prr': 'prr',
  'undo': 'undo',
  'dsack': 'dsack',
});
