/**
 * 中文消息目录（issue 26）：与 en.ts 键一一对应。术语取自通行的计算机网络教材：
 * 三次握手、四次挥手、半关闭、滑动窗口、超时重传、快速重传、累计确认、延迟确认、零窗口探测、保活。
 * 数字、标志位与 tcpdump 的字段名（seq、ack、win）保持原样。
 * 消息按领域分在 lib/i18n/zh/*.ts 中（与 en/ 同名同键），本文件列出它们（合并见 index.ts CATALOGUES）。
 */
import { views } from './zh/views.ts';
import { report } from './zh/report.ts';
import { scenario } from './zh/scenario.ts';
import { learn } from './zh/learn.ts';
import { real } from './zh/real.ts';
import { cli } from './zh/cli.ts';

/** The areas in en.ts EN_AREAS's order (issue 29: looked up, not merged, as the command starts; index.ts merges them on demand and checks at compile time that every key has a text). */
export const ZH_AREAS = [views, report, scenario, learn, real, cli] as const;
