/**
 * A scenario host's TCP settings on Linux, for the kernel side of `tcpemu real` in network namespaces
 * (lib/real/netns-link.ts): what the namespace's sysctls and the route to each peer can carry, what a
 * socket takes (TCP_NODELAY, keep-alive: applied by the application, lib/real/kernel.ts), and what
 * Linux cannot take at all, each with the expectations that depend on it, which are then judged on
 * the model alone.
 *
 * Per namespace (sysctls, each namespace has its own, Linux >= 4.15 for the buffers): SACK, timestamps,
 * window scaling, SYN retries, retries2, keep-alive interval and probes, the largest RTO
 * (tcp_rto_max_ms, Linux >= 6.15), the buffers (tcp_rmem / tcp_wmem pinned to the scenario's size, so
 * autotuning cannot grow them), and Reno congestion control, the nearest Linux has to the model's
 * NewReno. Per route (`ip route add PEER dev tcpemu0 ...`): the MSS announced (advmss), the smallest RTO
 * (rto_min), the initial window (initcwnd), no delayed ACKs (quickack 1).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { linuxDefaults, type TcpConfig } from '../tcp/config.ts';
import { LINUX_RMEM_DEFAULT, LINUX_RMEM_MAX } from '../tcp/rcvbuf-auto.ts';
import { settingMsg } from './kernel.ts';
import { sysErr, word, type Msg, type MessageKey } from '../i18n/index.ts';

export interface NamespaceSettings {
  /** [path under /proc/sys, value]. */
  sysctls: [string, string][];
  /** A value to write instead when the namespace refuses one (by path): the run goes on, and says so. */
  fallbacks: Record<string, string>;
  /** Options of the route to each peer (`advmss 536`, `rto_min 300ms`...). */
  routeOptions: string[];
  /** Settings Linux cannot take, one message each, for the report. */
  notApplied: Msg[];
  /** Whether an expectation (its `what`) depends on a setting Linux could not take (why, if so): judged on the model alone. */
  modelOnly: (what: string) => Msg | undefined;
}

/** Linux's TIME-WAIT lasts TCP_TIMEWAIT_LEN, 60 s: 2 MSL with an MSL of 30 s. */
export const LINUX_MSL_MS = 30_000;
/** Linux's initial RTO (TCP_TIMEOUT_INIT), which no sysctl or route option changes. */
export const LINUX_RTO_INITIAL_MS = 1000;
/** Linux's smallest delayed-ACK timeout (TCP_ATO_MIN); it adapts between this and 200 ms. */
export const LINUX_ATO_MIN_MS = 40;

const whole = (ms: number) => Number.isInteger(ms / 1000);

/**
 * Whether a network namespace may choose CUBIC: only what net.ipv4.tcp_allowed_congestion_control lists (a
 * global list; Reno is always allowed). When it may not, the model runs Reno too (modelPlanForLink), so that
 * both sides grow their windows alike, and the run says so. Unreadable: taken as allowed.
 */
export function cubicAllowedInNamespaces(): boolean {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_allowed_congestion_control', 'utf8').split(/\s+/).includes('cubic');
  } catch {
    return true;
  }
}

/**
 * `wanted`: the congestion control the scenario asked for, when it is not the one `c` (the model's) runs:
 * CUBIC on a kernel that lets no namespace choose it (modelPlanForLink), said in the list of what Linux cannot take.
 */
export function namespaceSettings(host: string, c: TcpConfig, mtu: number, wanted = c.congestionControl): NamespaceSettings {
  const sysctls: [string, string][] = [
    ['net/ipv4/tcp_sack', c.sack ? '1' : '0'],
    ['net/ipv4/tcp_timestamps', c.timestamps ? '1' : '0'],
    ['net/ipv4/tcp_window_scaling', c.windowScale ? '1' : '0'],
    ['net/ipv4/tcp_syn_retries', String(Math.min(c.synRetries, 127))],
    ['net/ipv4/tcp_retries2', String(c.maxRetries)],
    // The same congestion control and loss recovery as the model's (lib/tcp/config.ts linuxDefaults): CUBIC
    // when the model runs CUBIC, else Reno (the model's newreno is Linux's reno with its own recovery);
    // RACK-TLP (tcp_recovery 1, tcp_early_retrans 3) only when the model runs it; D-SACK as the model's.
    ['net/ipv4/tcp_congestion_control', c.congestionControl === 'cubic' ? 'cubic' : 'reno'],
    ['net/ipv4/tcp_recovery', c.lossRecovery === 'rack-tlp' ? '1' : '0'],
    ['net/ipv4/tcp_early_retrans', c.lossRecovery === 'rack-tlp' ? '3' : '0'],
    ['net/ipv4/tcp_dsack', c.dsack ? '1' : '0'],
    // F-RTO (RFC 5682; Linux's default tcp_frto 2): on only when the model has it (a `frto` setting).
    ['net/ipv4/tcp_frto', (c as { frto?: boolean }).frto ? '2' : '0'],
  ];
  const notApplied: Msg[] = [];
  const dependents: { setting: Msg; applies: (what: string) => boolean }[] = [];
  // `why`: the `realw.why.*` key that says why Linux cannot take it.
  const cannot = (key: keyof TcpConfig, why: MessageKey, applies: (what: string) => boolean) => {
    const setting = settingMsg(key, c[key]);
    notApplied.push({ key: 'realw.setting', params: { host, setting, why: { key: why } } });
    dependents.push({ setting, applies });
  };
  if (wanted !== c.congestionControl) {
    notApplied.push({ key: 'realw.cc', params: { host, wanted: String(wanted), runs: String(c.congestionControl) } });
  }
  if (c.keepaliveIntervalMs !== linuxDefaults.keepaliveIntervalMs || c.keepaliveProbes !== linuxDefaults.keepaliveProbes) {
    if (whole(c.keepaliveIntervalMs) && c.keepaliveIntervalMs > 0) sysctls.push(['net/ipv4/tcp_keepalive_intvl', String(c.keepaliveIntervalMs / 1000)]);
    else cannot('keepaliveIntervalMs', 'realw.why.kaInterval', (w) => w === 'segments' || w.startsWith(`states ${host}`));
    sysctls.push(['net/ipv4/tcp_keepalive_probes', String(c.keepaliveProbes)]);
  }
  if (c.keepaliveMs > 0 && !whole(c.keepaliveMs)) cannot('keepaliveMs', 'realw.why.kaIdle', (w) => w === 'segments' || w.startsWith(`states ${host}`));
  if (existsSync('/proc/sys/net/ipv4/tcp_rto_max_ms') && c.rtoMaxMs >= 1000 && c.rtoMaxMs <= 120_000) {
    sysctls.push(['net/ipv4/tcp_rto_max_ms', String(Math.round(c.rtoMaxMs))]);
  } else if (c.rtoMaxMs !== linuxDefaults.rtoMaxMs) {
    cannot('rtoMaxMs', 'realw.why.rtoMax', (w) => w === 'segments');
  }
  // A model that does not autotune its receive buffer (the file set one) gets a kernel that cannot either; one that
  // does gets the kernel the model follows (lib/tcp/rcvbuf-auto.ts: tcp_rmem 131072 to 32 MiB), whatever the host's.
  if (c.rcvbuf !== linuxDefaults.rcvbuf || c.rcvbufAuto === false) sysctls.push(['net/ipv4/tcp_rmem', `${Math.min(c.rcvbuf, 4096)} ${c.rcvbuf} ${c.rcvbuf}`]);
  else if (c.rcvbufAuto) sysctls.push(['net/ipv4/tcp_rmem', `4096 ${LINUX_RMEM_DEFAULT} ${LINUX_RMEM_MAX}`]);
  // A model that does not autotune its send buffer (the file set one: lib/tcp/sndbuf-auto.ts) gets a kernel that cannot either.
  if (c.sndbuf !== linuxDefaults.sndbuf || c.sndbufAuto === false) sysctls.push(['net/ipv4/tcp_wmem', `${Math.min(c.sndbuf, 4096)} ${c.sndbuf} ${c.sndbuf}`]);

  const routeOptions: string[] = [];
  if (c.mss !== mtu - 40) routeOptions.push('advmss', String(c.mss));
  if (c.rtoMinMs !== linuxDefaults.rtoMinMs) routeOptions.push('rto_min', `${Math.round(c.rtoMinMs)}ms`);
  if (c.initialWindow !== linuxDefaults.initialWindow) routeOptions.push('initcwnd', String(c.initialWindow));
  if (!c.delayedAck) routeOptions.push('quickack', '1');

  if (c.mslMs !== LINUX_MSL_MS) {
    // TIME-WAIT's length: `expect state TIME-WAIT|CLOSED` steps on this host from the time the shorter of
    // the two TIME-WAITs could end (2 MSL after the run's start at the earliest); before it, both are
    // still in TIME-WAIT whatever the MSL. (A `states` list that ends TIME-WAIT CLOSED is still checked on
    // the kernel: a run that ends in TIME-WAIT meets it, see compare.ts.)
    const from = 2 * Math.min(c.mslMs, LINUX_MSL_MS);
    cannot('mslMs', 'realw.why.msl', (w) => {
      const m = new RegExp(`^at ([\\d.]+)(ms|s): ${host} \\S+ in (TIME-WAIT|CLOSED)$`).exec(w);
      return m !== null && Number(m[1]) * (m[2] === 's' ? 1000 : 1) >= from;
    });
  }
  if (c.rtoInitialMs !== LINUX_RTO_INITIAL_MS) cannot('rtoInitialMs', 'realw.why.rtoInitial', (w) => w === 'segments');
  if (c.delayedAck && c.delayedAckMs !== LINUX_ATO_MIN_MS) {
    cannot('delayedAckMs', 'realw.why.delack', (w) => w === 'segments');
  }
  if (c.persistMinMs !== linuxDefaults.persistMinMs || c.persistMaxMs !== linuxDefaults.persistMaxMs) {
    cannot(c.persistMinMs !== linuxDefaults.persistMinMs ? 'persistMinMs' : 'persistMaxMs', 'realw.why.persist', (w) => w === 'segments');
  }
  return {
    sysctls,
    // A kernel may not allow CUBIC in a namespace (net.ipv4.tcp_allowed_congestion_control): Reno then.
    fallbacks: { 'net/ipv4/tcp_congestion_control': 'reno' },
    routeOptions,
    notApplied,
    modelOnly: (what) => {
      const hit = dependents.filter((d) => d.applies(what)).map((d) => d.setting);
      return hit.length ? { key: 'realw.modelOnly', params: { host, settings: hit } } : undefined;
    },
  };
}

/**
 * Writes `sysctls` in this process's namespace (run inside it: lib/real/netns-agent.ts, lib/real/tun-bulk.ts).
 * A value the namespace refuses is replaced by its fallback, and said in the lines returned; a refusal
 * without one throws.
 */
/** A sysctl the namespace refused, with no fallback the kernel took instead: the run cannot go on. */
export class SysctlError extends Error {
  constructor(readonly text: Msg) {
    super(word('en', text));
  }
}

/**
 * Writes the namespace's sysctls (this process runs inside it); where one is refused and a fallback is given,
 * the fallback, noted as not applied. Throws SysctlError when neither goes in.
 */
export function applySysctls(sysctls: readonly [string, string][], fallbacks: Readonly<Record<string, string>> | undefined, host: string): Msg[] {
  const unapplied: Msg[] = [];
  for (const [p, v] of sysctls) {
    try {
      writeFileSync(`/proc/sys/${p}`, v);
    } catch (err) {
      const instead = fallbacks?.[p];
      const why: Msg = { key: 'realw.sysctl', params: { path: p.replace(/\//g, '.'), value: v, err: sysErr(err) } };
      if (instead === undefined || instead === v) throw new SysctlError(why);
      try {
        writeFileSync(`/proc/sys/${p}`, instead);
      } catch (err2) {
        throw new SysctlError({ key: 'realw.sysctlNor', params: { why, instead, err: sysErr(err2) } });
      }
      unapplied.push({ key: 'realw.agentFallback', params: { host, why, instead } });
    }
  }
  return unapplied;
}
