/**
 * Finding English left in a Chinese text (issue 26): the words in Latin letters that are not what
 * a Chinese run keeps as it is. What a user types or reads as code is taken out first: placeholders,
 * command lines (`tcpemu run FILE --flag`), flags, quoted literals ("type", 'x', `code`), JSON, file
 * names and escapes. Then each word must be in KEPT, each entry of which says why it stays.
 */

/** Words a Chinese text keeps in Latin letters, and why. */
export const KEPT: ReadonlyMap<string, string> = new Map(
  [
    // tcpdump's notation and field names, as the issue asks (seq 1, ack 16, win 0, <mss 1460>, len 5)
    ...['seq', 'ack', 'win', 'mss', 'len', 'S', 'F', 'R', 'P', 'FP'].map((w) => [w, "tcpdump's notation"] as const),
    // tcpdump's names of TCP options inside <...>: <mss 1460,nop,wscale 7,sackOK,TS val 1 ecr 0,sack 1 {3:5}>
    ...['nop', 'eol', 'wscale', 'sackOK', 'sack', 'TS', 'val', 'ecr'].map((w) => [w, "tcpdump's option names"] as const),
    // the congestion-control variables of RFC 5681 and the trace's field for the peer's window, as textbooks and the trace write them
    ...['cwnd', 'ssthresh', 'rwnd', 'sndWnd'].map((w) => [w, 'RFC 5681 variable / trace field'] as const),
    // the RFCs' names of segments, flags, options and quantities, which Chinese textbooks write in Latin letters
    ...['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'MSS', 'MSL', 'RTO', 'RTT', 'SACK', 'SYN-ACK', 'TCP', 'IP', 'UDP', 'RFC', 'MTU'].map((w) => [w, 'protocol term kept by Chinese textbooks'] as const),
    // algorithms by the names their RFCs give them (RFC 8985's RACK), as Chinese papers and courses write them
    ...['RACK', 'TLP'].map((w) => [w, 'algorithm name of an RFC (RFC 8985: RACK, the tail loss probe TLP)'] as const),
    // RFC 9438's CUBIC and its W_max, RFC 9406's HyStart++ (the congestion chart's phases), as Chinese papers and courses write them
    ...['CUBIC', 'max', 'HyStart'].map((w) => [w, 'algorithm or variable name of an RFC (RFC 9438: CUBIC and W_max, whose subscript max is read as a word; RFC 9406: HyStart++)'] as const),
    // the eleven states of RFC 9293 3.3.2 (deliberately kept: the state diagram and the RFC name them so)
    ...['CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT',
      'TIME', 'WAIT', 'SENT', 'RECEIVED', 'LAST', 'CLOSE', 'FIN-WAIT'].map((w) => [w, 'state name of RFC 9293'] as const),
    // socket calls and error codes, as the application's API names them
    ...['connect', 'accept', 'close', 'shutdown', 'abort', 'listen', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EMFILE', 'EISCONN', 'ENOTCONN'].map((w) => [w, 'socket API name'] as const),
    // units
    ...['ms', 's', 'B', 'KB', 'KiB', 'MiB', 'k', 'M', 'G', 'us', 'm', 'bit', 'kbit', 'mbit', 'gbit', 'MB', 'kB'].map((w) => [w, 'unit (k, M, G: the chart axes\' thousands)'] as const),
    // names of programs, formats, standards and system words (root, the ip command) a user types or looks for under that name
    ...['tcpemu', 'tcpdump', 'Wireshark', 'JSON', 'HTML', 'pcap', 'pcapng', 'Linux', 'Jain', 'Stevens', 'Ctrl', 'Shift', 'packetdrill', 'TUN', 'ADDR', 'PORT', 'root', 'ip', 'tc',
      'Ctrl-C', 'Ctrl-D', 'SIGTERM', 'PATH', 'IPv4', 'CSV', 'unshare', 'Mathis'].map((w) => [w, 'proper name'] as const),
    // values a user types after a flag: --view ladder|states|summary|explain|none, --lang en|zh, --profile linux|rfc
    ...['ladder', 'states', 'summary', 'explain', 'none', 'en', 'zh', 'zh-CN', 'linux', 'rfc', 'client', 'server'].map((w) => [w, 'value typed after a flag'] as const),
    // metavariables of the usage lines (what the user writes there), and scenario keys written in the file (at:, on:, seed:)
    ...['FILE', 'COMMAND', 'ARGS', 'TRACE', 'OUT', 'N', 'MS', 'TIME', 'HOST', 'NAME', 'A', 'B', 'D', 'P', 'BIN', 'KEY', 'SIZE', 'V1', 'V2', 'FROM', 'TO', 'FLAGS', 'U', 'E', 'W'].map((w) => [w, 'usage notation: what the user writes there'] as const),
    // the scenario file's keys and words, written in the file as they are (docs/scenario-format.md): name:, hosts:, key: value, random ...
    ...['at', 'on', 'link', 'bottleneck', 'inject', 'seed', 'name', 'hosts', 'steps', 'until', 'expect', 'key', 'value', 'my-scenario', 'random', 'send', 'h', 'min', 'YAML', 'RED',
      'description', 'title', 'translations', 'tcp', 'after', 'every', 'delay', 'loss', 'rate', 'left', 'right'].map((w) => [w, 'scenario file syntax or format name'] as const),
    // the words of a scenario step's command, written in the file as they are (docs/scenario-format.md): read 5, read all, expect state STATE, expect delivered N
    ...['read', 'all', 'state', 'delivered', 'BYTES', 'STATE', 'TEXT', 'CONN'].map((w) => [w, 'scenario step syntax'] as const),
    // the trace's time field, as the expectations' lines write a segment's time: (t=20ms)
    ...['t'].map((w) => [w, "the trace's time field"] as const),
    // packetdrill's verdicts, printed as packetdrill's own tools print them
    ...['PASS', 'FAIL', 'UNSUPPORTED'].map((w) => [w, "packetdrill's verdict words"] as const),
    // the trace's timer names (its `timer` field), which the explanation adds in parentheses after the Chinese name: 延迟确认计时器（delack）
    ...['rto', 'delack', 'persist', 'keepalive', 'timewait'].map((w) => [w, "the trace's timer name"] as const),
    // issue 26 (h-lang3): the scenario file's rarer keys and commands, written in the file as they are: bottleneck: { queue, red: { min, max, max-p, weight } }, hosts' addr, listen 80 backlog 5, connect ... from PORT as NAME, link: up / down
    ...['red', 'max', 'max-p', 'weight', 'queue', 'addr', 'backlog', 'from', 'as', 'up', 'down', 'access-delay', 'true', 'false'].map((w) => [w, 'scenario file syntax (rarer keys and step words)'] as const),
    // inject's own words after the segment, written in the file as they are: inject a > b S ts 1 2, abs, noopts
    ...['ts', 'abs', 'noopts'].map((w) => [w, 'inject option word (docs/scenario-format.md)'] as const),
    // the events on: waits for, written in the file as they are: on: "server accepted"
    ...['connected', 'accepted', 'readable', 'end-of-stream', 'closed', 'error'].map((w) => [w, 'event word of on: (docs/scenario-format.md)'] as const),
    // metavariables of inject's and on:'s usage lines: inject FROM > TO ... [ts VAL ECR], on: "HOST EVENT", link commands: inject SEGMENT
    ...['EVENT', 'VAL', 'ECR', 'SEGMENT'].map((w) => [w, 'usage notation: what the user writes there'] as const),
    // RFC 9293's send-sequence variables, as the RFC and the textbooks write them: SND.UNA, SND.WND
    ...['SND', 'UNA', 'WND'].map((w) => [w, 'state variable of RFC 9293 3.3.1'] as const),
    // people, programs and system words named as they are: Floyd and Jacobson (RED's authors), Node (the runtime), sysctl
    ...['Floyd', 'Jacobson', 'Node', 'sysctl', 'GiB'].map((w) => [w, 'proper name or unit'] as const),
    // congestion controls by their names (Linux's and the RFCs'): the kernel and the model both run reno
    ...['reno', 'cubic', 'newreno'].map((w) => [w, 'congestion control name'] as const),
    // issue 26 (h-lang4): the host name a user types for this machine in an ADDR:PORT example (serve/connect --udp localhost:9000)
    ...['localhost'].map((w) => [w, 'host name typed in an address'] as const),
    // programs bench compares with, by their names: tshark, ns-3
    ...['tshark', 'ns-3'].map((w) => [w, 'proper name'] as const),
    // issue 26 (h-lang6): bench --case mathis's chart names the formulas by their authors and variables: Reno (the algorithm), Padhye et al.'s T0
    ...['Reno', 'Padhye', 'T0'].map((w) => [w, 'algorithm, author or formula variable, as the papers write them'] as const),
    // issue 26 (h-lang6): packetdrill's UNSUPPORTED constructs: ECN and URG as the RFCs name the bits (like SYN), urg as tcpdump writes the field, Python and IPv6 by their names (like IPv4)
    ...['ECN', 'URG', 'urg', 'Python', 'IPv6'].map((w) => [w, 'protocol term, tcpdump field or proper name'] as const),
    // the link's keys in the scenario file, written there as they are: link: { udp: true, "a>b": { drop: [2] } }
    ...['udp', 'drop'].map((w) => [w, 'scenario file syntax'] as const),
    // the trace's reason for a segment (its `why`), which the page's tooltip adds in parentheses after the Chinese words: 重传：…（快速重传）（fast-retransmit）
    ...['fast-retransmit', 'window-update', 'dup-syn', 'challenge-ack', 'rack', 'tlp', 'sack-hole', 'dupack'].map((w) => [w, "the trace's why"] as const),
    // issue 26 (h-lang5): a signal that ended a process and the system's error codes, as the system names them: 代理进程退出了（SIGKILL）, 在 ... 上出错 EADDRINUSE
    ...['SIGKILL', 'SIGINT', 'SIGABRT', 'SIGSEGV', 'SIGHUP', 'EPERM', 'EACCES', 'EINVAL', 'EROFS', 'ENOENT', 'EAGAIN'].map((w) => [w, 'signal or error code, as the system names it'] as const),
  ],
);

/** The text with what a user types or reads as code taken out. */
export function withoutCode(text: string): string {
  return text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/[A-Za-z][\w-]*…/g, ' ') // a word the ladder cut to fit its cell (FIN-WA…) is no word
    .replace(/^ *[0-9a-f]{4}(?: +[0-9a-f]{2})+.*$/gm, ' ') // a hex dump of a payload (the application's bytes)
    .replace(/\{[A-Za-z_]+\}/g, ' ') // a placeholder, cli-progress's {eta_formatted} too
    .replace(/\{"[^}]*\}/g, ' ')
    .replace(/\{[a-z]+(?:, [a-z]+)+\}/g, ' ') // the fields of a JSON object named in a help line: {file, verdict, line}
    .replace(/\b\d+\.\d+\.\d+\.(?:\d+|x)\b/g, ' ') // an IPv4 address, or a range of them written 10.0.0.x
    .replace(/`[^`]*`/g, ' ')
    .replace(/"[^"\n]*"/g, ' ')
    .replace(/'[^'\n]*'/g, ' ')
    .replace(/tcpemu(?: [^\s\u3000-\u9fff\uff00-\uffef]+)*/g, ' ')
    .replace(/(?<![\w-])--?[A-Za-z][\w-]*(=\S*)?/g, ' ')
    .replace(/[\w./-]*\.(?:yaml|jsonl|json|html|pcap|md|ts|png|csv)\b/g, ' ')
    .replace(/(?:\/[\w.-]+){2,}/g, ' ') // absolute paths such as /dev/net/tun
    .replace(/\\u[0-9a-fA-F]{4}/g, ' ')
    .replace(/\\[a-z]/g, ' ')
    .replace(/\[[^\]\n]*\]/g, ' ') // a YAML list [a, b, ...] or tcpdump's flags [S.]
    .replace(/\b(?:LC_[A-Z]+|LANG)\b/g, ' ') // environment variables, named as the shell writes them
    .replace(/\b0x[0-9a-f]+\b/gi, ' ');
}

/** The words in Latin letters of `text` (code taken out) that are neither kept nor in `extra`. */
export function englishWords(text: string, extra: ReadonlySet<string> = new Set()): string[] {
  const words = withoutCode(text).match(/[A-Za-z][A-Za-z0-9-]*/g) ?? [];
  return words.filter((w) => {
    const bare = w.replace(/-$/, '');
    // c1, c2 ...: the connection ids the trace records and a scenario names with @c1
    return !KEPT.has(bare) && !KEPT.has(bare.replace(/-\d$/, '')) && !extra.has(bare) && !/^c\d+$/.test(bare);
  });
}
