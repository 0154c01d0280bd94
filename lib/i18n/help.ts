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
  description?: string;
  options: Record<string, string>;
}

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
      lang: LANG_HELP,
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
  return { ...common, summary: zh.summary, description: zh.description, option: (name, english) => (name === 'help' ? msg(lang, 'help.help') : zh.options[name] ?? english) };
}

/** A command's one line in the main help, in `lang`. */
export function summaryIn(name: string, english: string, lang: Lang): string {
  if (lang !== 'zh') return english;
  return HELP_ZH[name]?.summary ?? SUMMARY_ZH[name] ?? english;
}
