/**
 * `tcpemu real FILE`: the scenario on the kernel's TCP (loopback) and on the model, side by side.
 * Exit 0: they agree (every expectation holds on both, or fails on both the same way, named); 1: they
 * differ (each disagreement named, with the side that failed);
 * 2: bad input, or the kernel run is impossible here (not root, no tcpdump), with one clear line.
 */
import { readFileSync } from 'node:fs';
import { writeReport } from '../report/html.ts';
import { renderRealHtml } from '../real/real-html.ts';
import { commandUsageError, formatHelp, parseCommand, UsageError } from './args.ts';
import { langOfArgs, msg, sysErr, word, type Msg } from '../i18n/index.ts';
import { resolveLang } from './learner.ts';
import { REAL_COMMAND } from './commands.ts';
import { loadScenario } from '../scenario/load.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { runScenario } from '../scenario/runner.ts';
import { KernelRunError, KernelUnavailable, kernelUnavailableWhy, runOnKernel } from '../real/kernel.ts';
import { compareRuns, modelPlanFor, modelPlanForLink, renderComparison } from '../real/compare.ts';
import { netnsUnavailableWhy, runOnKernelNetns } from '../real/netns-link.ts';
import type { CliIo } from './io.ts';

export async function realCommand(args: string[], io: CliIo): Promise<number> {
  // The language of the messages (issue 26): --lang when given, else the environment's.
  let lang = langOfArgs(args);
  let parsed;
  try {
    parsed = parseCommand(REAL_COMMAND, args);
    if (!parsed.help) {
      lang = resolveLang(parsed.values.lang as string | undefined, 'tcpemu real');
      if (parsed.positionals.length !== 1) throw commandUsageError(REAL_COMMAND, { key: 'usage.realOne' });
      const view = parsed.values.view as string | undefined;
      if (view !== undefined && view !== 'explain') throw commandUsageError(REAL_COMMAND, { key: 'usage.realView', params: { value: view } });
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`${err.text && lang !== 'en' ? word(lang, err.text) : err.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.out(formatHelp(REAL_COMMAND, lang));
    return 0;
  }
  const explain = parsed.values.view === 'explain';
  const json = parsed.values.json === true;
  if (json && explain) {
    io.err('tcpemu real: --json prints the comparison as JSON; it cannot go with --view explain\n');
    return 2;
  }
  const settle = parsed.values.settle as string | undefined;
  if (settle !== undefined && !/^\d+$/.test(settle)) {
    io.err(`${lang === 'en' ? `tcpemu real: --settle takes a whole number of milliseconds, not '${settle}'` : `tcpemu real：${msg(lang, 'usage.settle', { value: settle })}`}\n`);
    return 2;
  }
  const file = parsed.positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`${code === 'ENOENT' ? msg(lang, 'file.noSuch', { file }) : code === 'EISDIR' ? msg(lang, 'file.isDir', { file }) : `${file}: ${(err as Error).message}`}\n`);
    return 2;
  }
  let plan;
  try {
    plan = loadScenario(text, file);
  } catch (err) {
    if (err instanceof ScenarioError) {
      io.err(err.format(lang) + '\n');
      return 2;
    }
    throw err;
  }
  if (plan.link.udp) {
    io.err(`${msg(lang, 'real.udpLink', { file })}\n`);
    return 2;
  }
  const settleMs = settle !== undefined ? Number(settle) : undefined;
  // Through namespaces and tcpemu's link when this machine allows it (root, ip, /dev/net/tun), else loopback.
  const netnsWhyNot: Msg | undefined = parsed.values.loopback ? { key: 'realw.no.asked' } : netnsUnavailableWhy();
  if (netnsWhyNot !== undefined && plan.onSteps) {
    // Steps on events need the kernel's events as they happen: the agents in the namespaces report them.
    const s = plan.onSteps[0];
    io.err(`${file}:${s.pos.line}:${s.pos.col}: ${msg(lang, 'real.eventsNeedNetns', { on: s.on!.text, why: netnsWhyNot })}\n`);
    return 2;
  }
  const forged = plan.steps.find((st) => st.command.op === 'inject');
  if (netnsWhyNot !== undefined && forged) {
    // A forged segment is written into tcpemu's link between the namespaces; loopback has no link to write it into.
    io.err(`${file}:${forged.pos.line}:${forged.pos.col}: ${msg(lang, 'real.injectNeedsNetns', { why: netnsWhyNot })}\n`);
    return 2;
  }
  // Checked before anything runs: nothing is half-done when the kernel run cannot happen.
  const reason = netnsWhyNot === undefined ? undefined : kernelUnavailableWhy();
  if (reason) {
    io.err(`${netnsWhyNot && !parsed.values.loopback ? msg(lang, 'real.unavailableBoth', { reason, why: netnsWhyNot }) : msg(lang, 'real.unavailable', { reason })}\n`);
    return 2;
  }
  const modelPlan = netnsWhyNot === undefined ? modelPlanForLink(plan) : modelPlanFor(plan);
  // The explain view shows the text segments carried: the model's from its packets.
  const runModel = () => runScenario(modelPlan, { capture: explain });
  let model: ReturnType<typeof runModel> | undefined;
  let kernel;
  try {
    if (netnsWhyNot === undefined) {
      const tcp = Object.fromEntries(modelPlan.hosts.map((h) => [h.name, h.tcp]));
      // The model runs while the agents start in their namespaces (seconds on a busy machine).
      kernel = await runOnKernelNetns(plan, tcp, {
        settleMs, log: process.env.TCPEMU_REAL_DEBUG ? (line) => io.err(`${line}\n`) : undefined,
        whileStarting: () => { model = runModel(); },
      });
    } else {
      model = runModel();
      kernel = await runOnKernel(plan, { settleMs });
      kernel.fallback = netnsWhyNot;
    }
  } catch (err) {
    if (err instanceof KernelUnavailable || err instanceof KernelRunError) {
      io.err(`${msg(lang, 'real.unavailable', { reason: err.text })}\n`);
      return 2;
    }
    throw err;
  }
  model ??= runModel();
  const cmp = compareRuns(kernel, model);
  if (json) {
    const { realJson } = await import('../real/real-json.ts');
    io.out(JSON.stringify(realJson(kernel, model, cmp)) + '\n');
  } else io.out(renderComparison(kernel, model, cmp, io.color, lang));
  if (explain) {
    const { explainReal } = await import('../real/real-explain.ts');
    io.out('\n' + explainReal(kernel, model, lang, io.color));
  }
  const html = parsed.values.html as string | undefined;
  if (html !== undefined) {
    // Written whole to a temporary name, then renamed: never a half-written page.
    try {
      await writeReport(html, renderRealHtml(kernel, model, renderComparison(kernel, model, cmp, false, lang), lang));
    } catch (err) {
      io.err(`${msg(lang, 'real.htmlWrite', { file: html, err: sysErr(err) })}\n`);
      return 2;
    }
  }
  return cmp.ok ? 0 : 1;
}
