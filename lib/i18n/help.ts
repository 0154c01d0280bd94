/**
 * The command line's help in other languages than English (issue 26). The English help lives beside
 * each command, in its table (lib/cli/commands.ts and the commands' own files), where the parser is
 * made from it; this file holds the Chinese words for the commands a learner runs with `--lang`
 * (run, replay, report, learn, real) and one line for every command of the main help. A command or
 * flag not here is shown in English, its table's words (test/learn/i18n.test.ts checks that every
 * flag of the `--lang` commands has its words here, and nothing here names a flag that is gone).
 * Flags, values such as `OUT.html`, and tcpdump's words stay as they are.
 */
import type { CommandSpec } from '../cli/args.ts';
import { msg, type Lang } from './index.ts';

export interface CommandHelp {
  summary: string;
  /** The description; a function of the English one where that holds what the code fills in (a list of cases). */
  description?: string | ((english: string) => string);
  /** Each flag's words; a function of the English where that holds a default the code fills in. */
  options: Record<string, string | ((english: string) => string)>;
}

/** The number after "default" in an English flag help (a default the code fills in), for the Chinese words. */
const dflt = (english: string): string => /default (\S+?)[;),]/.exec(english)?.[1] ?? '';

const LANG_HELP = '讲解和图中文字所用的语言（默认依次取 LC_ALL、LC_MESSAGES、LANG，否则为 en）';

/** The Chinese help of the commands that take `--lang`. */
export const HELP_ZH: Readonly<Record<string, CommandHelp>> = {
  run: {
    summary: '在模拟器中（虚拟时间）运行场景，并画出发生的一切',
    description: `一个场景：画出时序图，并逐项检查预期；多个场景：每个一行，最后给出合计。
场景文件（docs/scenario-format.md）规定每一步何时执行：at: 某个时刻，或 on: "主机 事件"；link: 'inject ...'
在链路上放一个伪造的报文段；bottleneck: 让各主机经过两台共享一个队列的路由器（摘要中会给出每条流的
有效吞吐量和 Jain 公平性指数）。一次试多个种子和设置：tcpemu sweep。
退出状态：0 所有预期成立，1 有预期不成立，2 输入有误（文件:行:列：哪里错了）`,
    options: {
      seed: '序号、端口和链路损伤所用的随机种子（默认取文件中的 seed:）',
      trace: '把跟踪记录（每行一个 JSON 对象）写入此文件（仅限一个场景）',
      pcap: '把报文段写成 pcap 抓包文件，供 tcpdump 或 Wireshark 查看（仅限一个场景）',
      html: '写一个独立的 HTML 报告：时序图、图表、窗口（仅限一个场景）',
      view: '要画什么（默认 ladder 时序图；带 --json 或多个文件时为 none）；explain：用平实的句子逐条讲解每个事件',
      lang: LANG_HELP,
      json: '每个场景输出一行 JSON 摘要，不画图',
      width: '时序图的宽度（列数），40 到 1000（默认取终端宽度，或 100）',
      'max-events': '内存中的跟踪记录超过 N 个事件时停止运行（默认 1000000；只有 ladder、states 和 --html 需要保留跟踪记录）',
    },
  },
  replay: {
    summary: '重新运行一份录下的跟踪记录并逐个事件比较，或用模型检查一份抓包',
    description: `跟踪记录文件（.jsonl）带有它的场景和种子：重新运行一遍，逐个事件比较。
其他文件按抓包（pcap 或 pcapng）读取，用模型逐个检查其中的报文段。
退出状态：0 完全一致 / 符合，1 打印出第一处不同，2 输入有误`,
    options: {
      as: '抓包：只检查对话的这一端（默认两端都查）',
      profile: '抓包：用模型的哪一套 TCP 设置来检查（默认 linux）',
      brief: '抓包：只打印结论，不逐帧列出',
      view: '跟踪记录：比较之后，用平实的句子逐条讲解每个事件',
      lang: LANG_HELP,
    },
  },
  report: {
    summary: '写一个独立的 HTML 页面：时序图、时间-序号图、窗口、摘要',
    description: '退出状态：0 已写出，2 输入有误（什么也不写）',
    options: { output: '要写的页面', lang: LANG_HELP },
  },
  learn: {
    summary: '按课程顺序学习 TCP：不带 N 时列出课程，带 N 时逐条讲解第 N 课，写出它的报告并提出问题',
    description: '退出状态：0 课程运行完毕，2 输入有误（没有这一课）',
    options: {
      answers: '打印问题的答案，答案由这次运行算出',
      html: '课程报告写到哪里（默认为当前文件夹中的 lesson-N.html）',
      lang: LANG_HELP,
    },
  },
  real: {
    summary: '把场景的各个步骤分别在内核的 TCP 和模型上运行，并排比较',
    description: `以 root 身份且有 ip 和 /dev/net/tun 时：每台主机是各自网络命名空间中的 Linux，经由 tcpemu 的链路相连，
带着场景的链路损伤和模型按种子决定的丢包；否则（或用 --loopback）在回环接口上运行 Linux，这需要 root 和 tcpdump，
且无法制造链路损伤。Linux 不接受的设置会被列出，依赖它们的结果只在模型上判断。
退出状态：0 模型与内核一致，1 两者不同（哪一方哪项不成立，从哪里开始分歧），2 输入有误或无法在此运行`,
    options: {
      settle: '最后一步之后，内核运行再等待多少毫秒才结束（默认 400）',
      html: '同时把两次运行并排写成一个 HTML 页面：先是比较结果，然后是模型的报告和内核的报告',
      loopback: '内核一侧在回环接口上运行，不用命名空间和链路（没有 root、ip 或 /dev/net/tun 时就是这样）',
      view: 'explain：比较之后，用平实的句子逐条讲解两边各自的每个事件（内核一侧取自它的跟踪记录）',
      json: '把比较结果打印成一个 JSON 对象，代替文字（结论、各项期望、重传、各条流的有效吞吐量和 Jain 公平性指数）',
      lang: LANG_HELP,
    },
  },
  // ---- issue 26 (h-lang2): the other commands' help
  bench: {
    summary: '模拟器的速度和内存，有对端时与内核的 TCP 对比',
    description: (english) => `${english.split('\n')[0]!.replace(/^cases: /, '用例：')}
退出状态：0 完成（目标只报告，不强制），2 用法有误`,
    options: {
      quick: '每个用例只跑十分之一的规模',
      smoke: '每个用例只跑百分之一的规模（测试套件用的规模）',
      big: 'idle 用例用 1,000,000 个连接',
      json: '每个用例输出一个 JSON 对象，每行一个',
      case: '只运行这个用例（可重复写多个）',
      lang: LANG_HELP,
    },
  },
  sweep: {
    summary: '并行地用许多种子和设置运行一个场景，并列表给出结果',
    description: `--set 各取值的每种组合，各自配上每个种子，在工作线程中运行；表中列出预期成立的次数、有效吞吐量、
重传次数和持续时间（各种子上的均值 ± 标准差）。
tcpemu sweep --merge A.json B.json ... 把按种子范围拆开的几次 sweep 的 --json 输出合并起来。
退出状态：0 每次运行的预期都成立，1 有的不成立，2 输入有误`,
    options: {
      seeds: '要运行的种子，例如 1..100 或 1,5,9（默认取文件中的 seed:）',
      set: '文件中的一个键，用点号分隔（link.loss、bottleneck.rate、tcp.mss），以及它依次取的值；\n可重复写多个键：每种组合都会运行',
      jobs: '工作线程数（默认每个核一个）；1 表示在本线程中运行',
      csv: '把表格写成 CSV',
      json: '把每次运行和表格写成 JSON（--merge 读的就是它）',
      html: '写出表格，以及 --plot 所选的列相对第一个 --set 键的图',
      plot: 'HTML 中画哪一列（默认 goodput 有效吞吐量；对丢包率画 goodput 时，旁边画出 Mathis 等人的公式曲线）',
      merge: '把作为参数给出的几个 --json 输出合并成一张表',
      lang: LANG_HELP,
    },
  },
  packetdrill: {
    summary: '在虚拟时间上用模型运行 Linux 的 packetdrill 脚本；带 --kernel 时也在本机内核上运行',
    description: `每个脚本一行：PASS、FAIL（文件:行，哪里不同，预期与实际）或 UNSUPPORTED（哪种写法不支持），最后给出合计。
退出状态：0 没有失败，1 有脚本失败，2 有脚本无法读取（文件:行:列）或用法有误`,
    options: {
      json: '每个脚本输出一个 JSON 对象：{file, verdict, line, expected, actual, reason}',
      defaults: '脚本假定的是哪个内核的默认设置（auto：不运行辅助命令的脚本，即 2013 年的那些，用 linux-3.11）',
      tolerance_usecs: (english) => `时间容差，单位微秒（默认 ${dflt(english)}；脚本自己写的 --tolerance_usecs 优先）`,
      strict_segments: '一行 > 只匹配一个报文段（不合并连续的报文段）',
      view: '把一个脚本的运行画成时序图（只限一个脚本）',
      html: '把一个脚本的运行写成 HTML 报告（只限一个脚本）',
      kernel: '同时在本机的 Linux 上运行每个脚本（需要 root，unshare -n），并给出两边的结论',
      packetdrill: '--kernel 所用的 packetdrill 程序（默认取 PATH 中的 packetdrill）',
      lang: LANG_HELP,
    },
  },
  tun: {
    summary: '模型和内核的 TCP 作为同一条连接的两端，经由 TUN 设备相连（需要 root）',
    description: `在一个独立的网络命名空间中；客户端发送 --request，服务器回答 --reply；客户端再发送 --last 后半关闭；
服务器发送 --final 后关闭。
给出 --drop 或 --loss 时：双向各做一次批量传输，路径丢弃每个发送方同样的包，然后比较两个发送方：
各自重发了哪些报文段、何时重发，以及各自的拥塞窗口随时间的变化。
退出状态：0 每个字节都完好地双向到达且两端都已关闭，1 没有，2 用法有误或无法在此运行`,
    options: {
      case: '哪一端是内核（默认 both，先后各跑一次）',
      profile: '模型的 TCP 设置（默认 linux；rfc：没有窗口缩放、SACK 和时间戳）',
      request: (english) => `客户端先发送的字节数（默认 ${dflt(english)}；可写 64k、1m）`,
      reply: (english) => `服务器回答的字节数（默认 ${dflt(english)}）`,
      last: (english) => `客户端半关闭之前发送的字节数（默认 ${dflt(english)}）`,
      final: (english) => `半关闭之后服务器发送的字节数（默认 ${dflt(english)}）`,
      view: 'summary 摘要（默认），或再加上每个报文段的时序图，或用句子逐条讲解每个事件（语言取自 LANG）',
      json: '每次运行输出一个 JSON 对象',
      lang: LANG_HELP,
      // Worded when shown, not as this module loads: the Chinese catalogue is read on first use (issue 29).
      drop: () => msg('zh', 'tun.h.drop'),
      loss: () => msg('zh', 'tun.h.loss'),
      seed: () => msg('zh', 'tun.h.seed'),
      bulk: () => msg('zh', 'tun.h.bulk'),
      delay: () => msg('zh', 'tun.h.delay'),
    },
  },
};

/** The main help's one line for each other command, in Chinese. */
export const SUMMARY_ZH: Readonly<Record<string, string>> = {
  tun: '模型和内核的 TCP 作为同一条连接的两端，经由 TUN 设备相连（需要 root）',
  bench: '模拟器的速度和内存，有对端时与内核的 TCP 对比',
  sweep: '并行地用许多种子和设置运行一个场景，并列表给出结果',
  packetdrill: '在虚拟时间上用模型运行 Linux 的 packetdrill 脚本；带 --kernel 时也在本机内核上运行',
  serve: '在 UDP ADDR:PORT 上提供逐行聊天服务（两端的 TCP 是模型，报文段装在 UDP 数据报里）',
  connect: '把标准输入的每一行发给 UDP ADDR:PORT 上的服务器，并打印它的回答；输入结束时半关闭',
};

/** What formatHelp prints for `spec` in `lang`: its own English words where there are no others. */
export function helpText(spec: CommandSpec, lang: Lang): { usage: string; options: string; summary: string; description?: string; option: (name: string, english: string) => string } {
  const zh = lang === 'zh' ? HELP_ZH[spec.name] : undefined;
  const common = { usage: msg(lang, 'help.usage'), options: msg(lang, 'help.options') };
  if (zh === undefined) {
    return { ...common, summary: spec.summary, description: spec.description, option: (name, english) => (name === 'help' ? msg(lang, 'help.help') : english) };
  }
  const description = typeof zh.description === 'function' ? zh.description(spec.description ?? '') : zh.description;
  const option = (name: string, english: string): string => {
    if (name === 'help') return msg(lang, 'help.help');
    const words = zh.options[name];
    return typeof words === 'function' ? words(english) : words ?? english;
  };
  return { ...common, summary: zh.summary, description, option };
}

/** A command's one line in the main help, in `lang`. */
export function summaryIn(name: string, english: string, lang: Lang): string {
  if (lang !== 'zh') return english;
  return HELP_ZH[name]?.summary ?? SUMMARY_ZH[name] ?? english;
}

/** The usage of `serve` and `connect` (lib/cli/udp-chat.ts, which words them itself) in Chinese. */
const CHAT_COMMON_ZH = `  --addr A          本主机的虚拟 IPv4 地址（服务器为 10.0.0.2；客户端为 10.0.0.x，由它的 UDP 端口决定）
  --tcp-port N      服务器的 TCP 端口（默认取 --udp 的 UDP 端口）
  --loss P --duplicate P --reorder P --corrupt P   本端发出的数据上的链路损伤（0..1 或 5%）
  --delay MS --jitter MS                            额外的单向时延（例如 50ms、0.2s）
  --seed N          初始序号、端口和链路损伤所用的随机种子（默认随机）
  --msl D           报文段最大生存时间；TIME-WAIT 持续 2*MSL（默认 1s，免得人久等）
  --rto-min D --rto-initial D --max-retries N --syn-retries N --profile rfc|linux
  --trace           像 tcpdump 那样把每个报文段打印到标准错误
  --pcap FILE       退出时把本端发出和接受的报文段写成抓包文件
  --view ladder|states|summary   退出时画出这次运行（summary 摘要中包括丢弃的数据报）
  --lang en|zh      消息的语言（默认取自 LANG/LC_ALL）`;

export const CHAT_USAGE_ZH: Readonly<Record<'serve' | 'connect', string>> = {
  serve: `用法：tcpemu serve --udp ADDR:PORT [--echo] [--once] [options]
  在 UDP ADDR:PORT 上提供逐行聊天服务（端口 0：任意端口）；打印 "from client: LINE"；用标准输入中键入的行
  回答（发给每个客户端），或带 --echo 时原样回送。客户端结束输入（半关闭）之后，你键入的内容仍会发给它，
  直到你也结束输入（Ctrl-D）。终端的输入结束时停止；标准输入不是终端（或带 --echo）时，按 Ctrl-C 或收到
  SIGTERM 时停止；--once：第一个客户端的连接关闭后退出
${CHAT_COMMON_ZH}`,
  connect: `用法：tcpemu connect --udp ADDR:PORT [--bind ADDR:PORT] [--server-addr A] [options]
  把标准输入的每一行发给 UDP ADDR:PORT 上的服务器，并打印 "from server: LINE"；
  输入结束时半关闭（服务器仍可回答），四次挥手完成后退出
${CHAT_COMMON_ZH}`,
};
