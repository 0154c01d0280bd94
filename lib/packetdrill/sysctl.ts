/**
 * The kernel settings a packetdrill script assumes, as tcpemu's TcpConfig: which kernel's defaults
 * (`--defaults`), then what the script's backquoted shell lines set (`../common/defaults.sh`,
 * `sysctl -q net.ipv4.x=v`, `set_sysctls.py /proc/sys/net/ipv4/x=v`). Commands the model has nothing
 * to do for (a qdisc on the TUN device, offloads off, flushing the route metrics) are accepted and do
 * nothing; any other command, or a setting the model cannot follow, is UNSUPPORTED.
 */
import { linuxDefaults, type TcpConfig } from '../tcp/config.ts';
import { parseFastOpenKey, TFO_CLIENT_ENABLE, TFO_SERVER_ENABLE } from '../tcp/tfo.ts';
import { word, type Msg } from '../i18n/index.ts';

/**
 * Names a script uses that run_all.py defines with -D: TFO_COOKIE, the Fast Open cookie Linux makes for the
 * remote 192.0.2.1 at the local 192.168.0.1 under defaults.sh's tcp_fastopen_key (the kernel run passes the
 * same; the model computes its cookie and must come to this one).
 */
export const SCRIPT_DEFINES: Readonly<Record<string, string>> = Object.freeze({ TFO_COOKIE: '3021b9d889017eeb' });

/** Which kernel's defaults a script assumes: today's (the scripts of gtests/net/tcp), or Linux 3.11's of 2013. */
export type DefaultsName = 'linux' | 'linux-3.11';
/** `auto`: a script that runs `common/defaults.sh` is today's; one with no helper at all is from 2013 (3.11). */
export const DEFAULTS_CHOICES = ['auto', 'linux', 'linux-3.11'] as const;
export type DefaultsChoice = (typeof DEFAULTS_CHOICES)[number];

export function defaultsFor(choice: DefaultsChoice, commands: readonly string[]): DefaultsName {
  if (choice !== 'auto') return choice;
  return commands.some((c) => /common\/(defaults\.sh|set_sysctls\.py)/.test(c)) ? 'linux' : 'linux-3.11';
}

/** What the settings come to: the model's config, and the settings the model does not follow but accepts. */
export interface Settings {
  config: TcpConfig;
  /** tcp_rmem's third value: the window scale covers it (Linux's tcp_select_initial_window). */
  rmemMax: number;
  /** Settings set to a value the model departs from, kept for the report (`tcp_congestion_control=cubic`). */
  departures: string[];
  /** net.ipv4.tcp_fastopen's bits (lib/tcp/tfo.ts TFO_*; config.fastOpen has the client and server ones). */
  fastOpenFlags: number;
  /** net.ipv4.tcp_fastopen_key, as the 16 bytes the cookies are made with; the host draws one when absent. */
  fastOpenKey?: Buffer;
}

/** A construct the model cannot run: the verdict UNSUPPORTED names it. */
export class Unsupported extends Error {
  override name = 'Unsupported';
  /** The construct in English, as packetdrill's users read it (--json keeps it). */
  readonly construct: string;
  /** The construct as a message (issue 26): script syntax alone (`--mtu`, `ioctl X`) is shown as it is in every language. */
  readonly text: Msg;
  constructor(what: Msg | string, readonly line: number) {
    const text: Msg = typeof what === 'string' ? { key: 'pd.p.lit', params: { text: what } } : what;
    super(word('en', text));
    this.construct = this.message;
    this.text = text;
  }
}

export function baseSettings(defaults: DefaultsName): Settings {
  // Linux 3.11 (2013): tcp_rmem "4096 87380 3732736" on the machines those scripts were written on (the
  // rcv-rtt scripts restore it), so the SYN offers wscale 6. Today's defaults.sh: "4096 540000 15M", wscale 8.
  const rmem = defaults === 'linux-3.11' ? [4096, 87380, 3732736] : [4096, 131072, 6291456];
  return {
    // tcp_fin_timeout: 60 s, Linux's default (include/net/tcp.h TCP_FIN_TIMEOUT).
    config: { ...linuxDefaults, rcvbuf: rmem[1], sndbuf: 16384 * 4, autoread: false, finTimeoutMs: 60_000 },
    rmemMax: rmem[2],
    departures: [],
    // net.ipv4.tcp_fastopen = 1 (client only), Linux's default since 3.13 (linuxDefaults' 'client').
    fastOpenFlags: TFO_CLIENT_ENABLE,
  };
}

/** Settings that only change what the model does not emulate, at the values the model behaves as. */
const ACCEPTED: Record<string, (v: string) => boolean> = {
  tcp_frto: () => true,
  tcp_dsack: () => true,
  tcp_fack: () => true,
  tcp_reordering: (v) => v === '3',
  tcp_tso_win_divisor: () => true,
  tcp_ecn: (v) => v === '0',
  tcp_ecn_option: () => true,
  tcp_pacing_ss_ratio: () => true,
  tcp_pacing_ca_ratio: () => true,
  tcp_notsent_lowat: () => true,
  tcp_syncookies: (v) => v === '1',
  tcp_synack_retries: () => true,
  // RACK+TLP (4, 1) is a departure noted, not refused: every current script sets it (issue: SACK recovery / RACK-TLP).
  tcp_early_retrans: (v) => v === '4' || v === '3' || v === '0',
  tcp_recovery: () => true,
  tcp_tw_reuse: () => true,
};

/** Apply one `name=value` (name without net.ipv4.); throws Unsupported. */
export function applySysctl(s: Settings, name: string, value: string, line: number): void {
  const v = value.replace(/^"|"$/g, '').trim();
  const num = Number(v);
  switch (name) {
    case 'tcp_rmem': {
      const parts = v.split(/\s+/).map(Number);
      if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) throw new Unsupported(`sysctl tcp_rmem="${v}"`, line);
      s.config = { ...s.config, rcvbuf: parts[1] };
      s.rmemMax = parts[2];
      return;
    }
    case 'tcp_wmem': {
      const parts = v.split(/\s+/).map(Number);
      if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) throw new Unsupported(`sysctl tcp_wmem="${v}"`, line);
      s.config = { ...s.config, sndbuf: parts[1] };
      return;
    }
    case 'tcp_timestamps': s.config = { ...s.config, timestamps: num !== 0 }; return;
    case 'tcp_sack': s.config = { ...s.config, sack: num !== 0 }; return;
    case 'tcp_window_scaling': s.config = { ...s.config, windowScale: num !== 0 }; return;
    case 'tcp_syn_retries': s.config = { ...s.config, synRetries: num }; return;
    // Restart after idle (RFC 5681 4.1), Linux's way in the linux profile (lib/tcp/idle-restart.ts).
    case 'tcp_slow_start_after_idle': s.config = { ...s.config, slowStartAfterIdle: num !== 0 }; return;
    // The fewest segments of an offloaded packet: where the linux profile puts PSH (lib/tcp/linux-push.ts).
    case 'tcp_min_tso_segs': {
      if (!Number.isInteger(num) || num < 1 || num > 64) throw new Unsupported(`sysctl tcp_min_tso_segs=${v}`, line);
      s.config = { ...s.config, minTsoSegs: num };
      return;
    }
    case 'tcp_fin_timeout': s.config = { ...s.config, finTimeoutMs: num * 1000 }; return;
    case 'tcp_fastopen': {
      if (!Number.isInteger(num) || num < 0) throw new Unsupported(`sysctl tcp_fastopen=${v}`, line);
      const both = num & (TFO_CLIENT_ENABLE | TFO_SERVER_ENABLE);
      s.fastOpenFlags = num;
      s.config = { ...s.config, fastOpen: both === 3 ? 'both' : both === TFO_SERVER_ENABLE ? 'server' : both === TFO_CLIENT_ENABLE ? 'client' : 'off' };
      return;
    }
    case 'tcp_fastopen_key': {
      const key = parseFastOpenKey(v);
      if (!key) throw new Unsupported({ key: 'pd.u.fastopenKey', params: { v } }, line);
      s.fastOpenKey = key;
      return;
    }
    case 'tcp_congestion_control':
      // The model's congestion control is NewReno (RFC 5681, 6582); CUBIC is another issue's.
      if (v !== 'reno') s.departures.push(`tcp_congestion_control=${v} (the model runs NewReno)`);
      return;
  }
  const ok: ((v: string) => boolean) | undefined = ACCEPTED[name];
  if (ok !== undefined && ok(v)) {
    if (name === 'tcp_early_retrans' && v !== '0') s.departures.push(`tcp_early_retrans=${v} (RACK-TLP is not modelled)`);
    return;
  }
  throw new Unsupported(ok !== undefined ? { key: 'pd.u.sysctlNo', params: { name, v } } : `sysctl ${name}=${v}`, line);
}

/** What `defaults.sh` sets (read from the script's helper by name: it is the same everywhere). */
const DEFAULTS_SH: Array<[string, string]> = [
  ['tcp_rmem', `4096 540000 ${15 * 1024 * 1024}`],
  ['tcp_wmem', `4096 ${256 * 1024} 4194304`],
  ['tcp_timestamps', '1'],
  ['tcp_syn_retries', '5'],
  ['tcp_synack_retries', '5'],
  ['tcp_frto', '2'],
  ['tcp_sack', '1'],
  ['tcp_dsack', '1'],
  ['tcp_fack', '0'],
  ['tcp_reordering', '3'],
  ['tcp_congestion_control', 'cubic'],
  ['tcp_slow_start_after_idle', '0'],
  ['tcp_early_retrans', '4'],
  ['tcp_recovery', '1'],
  ['tcp_tso_win_divisor', '3'],
  ['tcp_ecn', '0'],
  ['tcp_fastopen', '0x70403'],
  ['tcp_fastopen_key', 'a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4'],
  ['tcp_syncookies', '1'],
];

/**
 * Run a backquoted command's lines on the settings (each line of the command, and each `;`-separated
 * part). Throws Unsupported for a command it does not know.
 */
export function applyShell(s: Settings, command: string, line: number): void {
  // A line ending in a backslash goes on on the next one, as in the shell.
  const parts = command.replace(/\\\n/g, ' ').split(/\n|;/).map((p) => p.trim()).filter((p) => p && !p.startsWith('#'));
  for (const p of parts) {
    if (/(^|\/)common\/defaults\.sh$/.test(p)) {
      for (const [k, v] of DEFAULTS_SH) applySysctl(s, k, v, line);
      continue;
    }
    if (/^\/tmp\/sysctl_restore_\$\{?PPID\}?\.sh$/.test(p)) continue; // restores the machine's settings after the run
    if (/^(tc qdisc|ethtool -K tun0|ip tcp_metrics flush)/.test(p)) continue; // no TUN device, no qdisc, no offload, no route metrics here
    const sysctl = /^sysctl\s+(?:-q\s+|-w\s+)*(.*)$/.exec(p);
    if (sysctl) {
      for (const m of sysctl[1].matchAll(/net\.ipv4\.([a-z0-9_]+)=("[^"]*"|\S+)/g)) applySysctl(s, m[1], m[2], line);
      continue;
    }
    const set = /set_sysctls\.py\s+(.*)$/.exec(p);
    if (set) {
      for (const m of set[1].matchAll(/\/proc\/sys\/net\/ipv4\/([a-z0-9_]+)=("[^"]*"|\S+)/g)) applySysctl(s, m[1], m[2], line);
      if (/\/proc\/sys\/(?!net\/ipv4\/)/.test(set[1])) throw new Unsupported(`set_sysctls.py ${set[1]}`, line);
      continue;
    }
    throw new Unsupported({ key: 'pd.u.shell', params: { cmd: p } }, line);
  }
}
