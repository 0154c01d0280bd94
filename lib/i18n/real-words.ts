/**
 * `tcpemu real`'s notes in the user's language (issue 26): what the kernel cannot take or loopback
 * cannot make. lib/real makes these lines in English (kernel.ts notCrossCheckable and
 * unappliedSettings, netns-settings.ts; some come back from the namespace agents as text), so another
 * language reads their known shapes back here and words them from the catalogue, as expect-words.ts
 * does for a trace's expectations. A line of a shape not known here is shown as it is.
 */
import { msg, type Lang, type MessageKey } from './index.ts';

/** Why Linux cannot take a setting (netns-settings.ts), each with its words in the catalogue. */
const WHYS = new Map<string, MessageKey>([
  ['Linux counts the keep-alive interval in whole seconds', 'realw.why.kaInterval'],
  ['Linux counts the keep-alive idle time in whole seconds', 'realw.why.kaIdle'],
  ['this kernel takes a largest RTO only from 1 s to 120 s (tcp_rto_max_ms, Linux >= 6.15)', 'realw.why.rtoMax'],
  ['Linux holds TIME-WAIT for 60 s (2 x 30 s), whatever the scenario says', 'realw.why.msl'],
  ['Linux starts every RTO at 1 s (TCP_TIMEOUT_INIT); neither a sysctl nor a route sets it', 'realw.why.rtoInitial'],
  ["Linux's delayed-ACK timer adapts from 40 ms to 200 ms by itself; no setting fixes it", 'realw.why.delack'],
  ["Linux's window probes follow the RTO; no setting of their own", 'realw.why.persist'],
]);

/** The link's impairments as kernel.ts names them (IMPAIRMENTS). */
const IMPAIRMENT_WORDS = ['delay', 'jitter', 'loss', 'duplicate', 'reorder', 'corrupt', 'rate', 'queue'];

/** Why loopback cannot make it (kernel.ts notCrossCheckable). */
const LOOPBACK_WHYS = new Map<string, MessageKey>([
  ['loopback has no impairments', 'realw.lo.noImpairments'],
  ['loopback drops nothing', 'realw.lo.dropsNothing'],
  ['the kernel run uses loopback TCP', 'realw.lo.tcp'],
  ['loopback cannot go down', 'realw.lo.down'],
]);

/** One of real's notes in `lang` (English: as it is). */
export function realNoteText(lang: Lang, line: string): string {
  if (lang === 'en') return line;
  let m: RegExpExecArray | null;
  if ((m = /^(\S+): tcp congestion-control (\S+): this kernel does not let a namespace choose it \(net\.ipv4\.tcp_allowed_congestion_control\), so the kernel and the model both run (\S+)$/.exec(line))) {
    return msg(lang, 'realw.cc', { host: m[1]!, wanted: m[2]!, runs: m[3]! });
  }
  if ((m = /^(\S+): tcp (.+) \(the kernel keeps its own; Node cannot set it per socket\)$/.exec(line))) {
    return msg(lang, 'realw.nodeCannot', { host: m[1]!, setting: settingWords(lang, m[2]!) });
  }
  if ((m = /^(\S+): tcp (.+?): (.+)$/.exec(line)) && WHYS.has(m[3]!)) {
    return msg(lang, 'realw.setting', { host: m[1]!, setting: settingWords(lang, m[2]!), why: msg(lang, WHYS.get(m[3]!)!) });
  }
  if ((m = /^(\S+)'s (.+) cannot be set on Linux$/.exec(line))) {
    return msg(lang, 'realw.modelOnly', { host: m[1]!, settings: m[2]!.split(', ').map((s) => settingWords(lang, s)).join(msg(lang, 'list.sep')) });
  }
  if ((m = /^link udp: not cross-checkable \((.+)\)$/.exec(line)) && LOOPBACK_WHYS.has(m[1]!)) {
    return msg(lang, 'realw.udp', { why: msg(lang, LOOPBACK_WHYS.get(m[1]!)!) });
  }
  if ((m = /^line (\d+): link (\w+) at (\d+(?:\.\d+)?) ms(?:: not cross-checkable \((.+)\))?$/.exec(line))) {
    const why = m[4] === undefined ? undefined : LOOPBACK_WHYS.get(m[4]);
    if (m[4] === undefined || why) return msg(lang, why ? 'realw.linkStep' : 'realw.linkStepBare', { line: m[1]!, op: m[2]!, at: m[3]!, why: why ? msg(lang, why) : '' });
  }
  if ((m = /^link (\S+): (.+?)(?:: not cross-checkable \((.+)\))?$/.exec(line))) {
    const why = m[3] === undefined ? undefined : LOOPBACK_WHYS.get(m[3]);
    const what = impairmentWords(lang, m[2]!);
    if (what !== undefined && (m[3] === undefined || why)) return msg(lang, why ? 'realw.link' : 'realw.linkBare', { dir: m[1]!, what, why: why ? msg(lang, why) : '' });
  }
  return line;
}

/** `delay 20 ms`, `loss 0.1`, `queue 50 packets`, `drop segments #1, #3` in `lang`; undefined for another shape. */
function impairmentWords(lang: Lang, text: string): string | undefined {
  const drop = /^drop segments? (.+)$/.exec(text);
  if (drop) return msg(lang, 'realw.i.drop', { list: drop[1]! });
  const m = /^(\S+) (.+)$/.exec(text);
  if (!m || !IMPAIRMENT_WORDS.includes(m[1]!)) return undefined;
  const value = m[2]!.replace(/ packets$/, msg(lang, 'realw.packets'));
  return msg(lang, `realw.i.${m[1]}` as MessageKey, { v: value });
}

/** A setting as kernel.ts writes it (`msl = 1000 ms`, `sndbuf = 4096 bytes`): the key stays as the file writes it, the unit in `lang`. */
function settingWords(lang: Lang, text: string): string {
  return text.replace(/ bytes$/, msg(lang, 'realw.bytes'));
}

/**
 * Why `tcpemu real` cannot run through namespaces or on the kernel at all (kernel.ts
 * kernelUnavailableReason, tun.ts tunUnavailableReason as netns-link.ts words it, real.ts's
 * --loopback), in `lang` (issue 26, h-lang4). English: as it is; a reason of a shape not known here too.
 */
export function realWhyText(lang: Lang, line: string): string {
  if (lang === 'en') return line;
  const known = WHY_NOTS.get(line);
  if (known) return msg(lang, known);
  const m = /^the kernel run through namespaces needs Linux \(network namespaces and \/dev\/net\/tun\); this is (\S+)$/.exec(line);
  return m ? msg(lang, 'realw.no.linux', { platform: m[1]! }) : line;
}

const WHY_NOTS = new Map<string, MessageKey>([
  ['asked for with --loopback', 'realw.no.asked'],
  ['the kernel run through namespaces needs root (it creates a network namespace and a TUN device in it); run it as root', 'realw.no.netnsRoot'],
  ['/dev/net/tun does not exist (load the tun module, or give the container the device: --device /dev/net/tun)', 'realw.no.tun'],
  ['the kernel run through namespaces needs the ip command (iproute2), which is not installed (apt-get install -y iproute2)', 'realw.no.ip'],
  ['the kernel run through namespaces needs python3 to open the TUN device (lib/real/tun-helper.py), and it is not installed', 'realw.no.python'],
  ['the kernel run needs root (tcpdump captures on lo); run it as root', 'realw.no.root'],
  ['the kernel run needs tcpdump, which is not installed (apt-get install -y tcpdump)', 'realw.no.tcpdump'],
  ['the kernel run needs /proc/net/tcp to observe kernel states, and it cannot be read here', 'realw.no.proc'],
]);
