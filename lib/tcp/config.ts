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
});

/** Defaults of the profile, overridden by what was given. */
export function resolveConfig(input: TcpConfigInput = {}): TcpConfig {
  const base = input.profile === 'linux' ? linuxDefaults : rfcDefaults;
  const out: TcpConfig = { ...base };
  for (const [k, v] of Object.entries(input)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
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
});
