/**
 * `tcpemu tun`: the model and the kernel's TCP as the two ends of one connection, through a TUN
 * device in a network namespace of its own (lib/real/tun.ts). By default both directions: a kernel
 * client to a tcpemu server, then a tcpemu client to a kernel server; each sends, half-closes, reads
 * the rest and closes. Prints, per direction, what each side read, the states each passed through
 * and at the checkpoints, and the options in the SYNs; `--view ladder` draws every segment.
 * With --drop / --loss: a bulk transfer each way over a lossy path and the two senders compared
 * (lib/real/tun-loss.ts).
 * Exit 0: every byte arrived intact both ways and both sides saw end-of-stream and closed; 1: not;
 * 2: bad usage, or the interop cannot run here (not root, no /dev/net/tun, no `ip`), with the reason.
 */
import { formatHelp, helpHint, parseCommand, UsageError, type CommandSpec } from './args.ts';
import { runThroughTun, TunRunError, TunUnavailable, tunUnavailableWhy, withKernelSide, type TunRunResult } from '../real/tun.ts';
import { defaultSizes, segmentsOf, type DialogueSizes, type EndpointReport, type TunCase } from '../real/tun-dialogue.ts';
import { renderLadder } from '../trace/views/ladder.ts';
import { renderExplain } from '../trace/views/explain.ts';
import { langFromEnv, langOfArgs, msg, word } from '../i18n/index.ts';
import { renderLossComparison, runLossComparison, type LossComparison, type LossOptions } from '../real/tun-loss.ts';
import { LANG_OPTION } from './commands.ts';
import { parseDuration, parseProbability, parseSize, UnitError } from '../scenario/units.ts';
import type { CliIo } from './io.ts';

export const TUN_COMMAND: CommandSpec = {
  name: 'tun',
  args: '',
  summary: "the model and the kernel's TCP as the two ends of one connection, through a TUN device (needs root)",
  description: `in a network namespace of its own; the client sends --request, the server answers --reply; the client
sends --last and half-closes; the server sends --final and closes.
with --drop or --loss: a bulk transfer each way over a path that drops the same packets of each sender, and
the two senders compared: the segments each sent again and when, and each one's congestion window over time.
exit status: 0 every byte arrived intact both ways and both closed, 1 not, 2 bad usage or cannot run here`,
  positionals: false,
  options: {
    case: { type: 'string', value: 'kernel-client|model-client|both', help: 'which end is the kernel (default both, one after the other)' },
    profile: { type: 'string', value: 'linux|rfc', help: "the model's TCP settings (default linux; rfc: no window scaling, SACK or timestamps)" },
    request: { type: 'string', value: 'SIZE', help: `bytes the client sends first (default ${defaultSizes.request}; 64k, 1m)` },
    reply: { type: 'string', value: 'SIZE', help: `bytes the server answers (default ${defaultSizes.reply})` },
    last: { type: 'string', value: 'SIZE', help: `bytes the client sends before it half-closes (default ${defaultSizes.last})` },
    final: { type: 'string', value: 'SIZE', help: `bytes the server sends after the half-close (default ${defaultSizes.final})` },
    view: { type: 'string', value: 'summary|ladder|explain', help: 'summary (default), or a ladder of every segment as well, or every event explained in sentences (in the language of LANG)' },
    json: { type: 'boolean', help: 'print each run as one JSON object' },
    lang: LANG_OPTION,
    drop: { type: 'string', value: '#N,#M', help: msg('en', 'tun.h.drop') },
    loss: { type: 'string', value: 'P', help: msg('en', 'tun.h.loss') },
    seed: { type: 'string', value: 'N', help: msg('en', 'tun.h.seed') },
    bulk: { type: 'string', value: 'SIZE', help: msg('en', 'tun.h.bulk') },
    delay: { type: 'string', value: 'MS', help: msg('en', 'tun.h.delay') },
  },
};

const CASES: Record<string, TunCase[]> = { 'kernel-client': ['kernel-client'], 'model-client': ['model-client'], both: ['kernel-client', 'model-client'] };
const TITLE: Record<TunCase, string> = { 'kernel-client': 'kernel client -> tcpemu server', 'model-client': 'tcpemu client -> kernel server' };

class Usage extends Error {}

function parse(args: string[]) {
  const p = parseCommand(TUN_COMMAND, args);
  if (p.help) return undefined;
  const v = p.values as Record<string, string | undefined> & { json?: boolean };
  const cases = CASES[v.case ?? 'both'];
  if (!cases) throw new Usage(`--case takes kernel-client, model-client or both, not '${v.case}'`);
  const profile = v.profile ?? 'linux';
  if (profile !== 'linux' && profile !== 'rfc') throw new Usage(`--profile takes linux or rfc, not '${profile}'`);
  const view = v.view ?? 'summary';
  if (view !== 'summary' && view !== 'ladder' && view !== 'explain') throw new Usage(`--view takes summary, ladder or explain, not '${view}'`);
  const sizes: Partial<DialogueSizes> = {};
  for (const k of ['request', 'reply', 'last', 'final'] as const) {
    const text = v[k];
    if (text === undefined) continue;
    try {
      sizes[k] = parseSize(text);
    } catch (err) {
      if (err instanceof UnitError) throw new Usage(`--${k}: ${err.message}`);
      throw err;
    }
  }
  return { cases, profile: profile as 'linux' | 'rfc', view, json: v.json === true, sizes, loss: lossOptions(v) };
}

/** The --drop / --loss run's options (lib/real/tun-loss.ts), or undefined without either. */
function lossOptions(v: Record<string, string | undefined>): Omit<LossOptions, 'profile'> | undefined {
  if (v.drop === undefined && v.loss === undefined) {
    for (const k of ['seed', 'bulk', 'delay']) if (v[k] !== undefined) throw new Usage(`--${k} goes with --drop or --loss (the bulk transfers over a lossy path)`);
    return undefined;
  }
  for (const k of ['case', 'request', 'reply', 'last', 'final', 'view']) {
    if (v[k] !== undefined) throw new Usage(`--${k} is for the conversation; with --drop or --loss tun runs a bulk transfer each way (--bulk SIZE)`);
  }
  const drop: number[] = [];
  for (const entry of (v.drop ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const m = /^#?(\d+)$/.exec(entry);
    if (!m || Number(m[1]) < 1) throw new Usage(`--drop takes the sender's packets by number from 1, as '#3,#7' or '3,7'; '${entry}' is not one`);
    drop.push(Number(m[1]));
  }
  if (v.drop !== undefined && drop.length === 0) throw new Usage(`--drop takes the sender's packets by number from 1, as '#3,#7'; it was given none`);
  const unit = <T>(flag: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof UnitError) throw new Usage(`--${flag}: ${err.message}`);
      throw err;
    }
  };
  const loss = v.loss === undefined ? 0 : unit('loss', () => parseProbability(v.loss));
  if (loss >= 0.5) throw new Usage(`--loss ${v.loss} would leave the transfer little chance to finish; give less than 50%`);
  const seed = v.seed === undefined ? 1 : Number(v.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Usage(`--seed takes a whole number >= 0, not '${v.seed}'`);
  const bytes = v.bulk === undefined ? 1 << 20 : unit('bulk', () => parseSize(v.bulk));
  if (bytes < 1 || bytes > 64 << 20) throw new Usage(`--bulk takes 1 byte to 64m, not '${v.bulk}'`);
  const delayMs = v.delay === undefined ? 20 : unit('delay', () => parseDuration(v.delay));
  if (delayMs > 1000) throw new Usage(`--delay takes at most 1s each way, not '${v.delay}'`);
  return { bytes, drop: [...new Set(drop)].sort((a, b) => a - b), loss, seed, delayMs };
}

function endpointLines(e: EndpointReport): string[] {
  const name = `${e.side === 'model' ? 'tcpemu' : 'kernel'} ${e.role}`.padEnd(14);
  const how = e.side === 'kernel' ? '  (read from its socket table)' : '';
  const read = `${e.received} bytes${e.receivedIntact ? ', intact' : `, WRONG from byte ${e.firstDifference}`}`;
  const at = Object.entries(e.at).map(([k, s]) => `${k} ${s}`).join(', ');
  return [
    `  ${name} ${e.local}`,
    `    states   ${e.states.join(' ')}${how}`,
    `    at       ${at}`,
    `    read     ${read}; ${e.sawEnd ? 'end-of-stream' : 'NO end-of-stream'}; ${e.closed ? 'closed' : 'NOT closed'}${e.errors.length ? `; errors ${e.errors.join(', ')}` : ''}`,
  ];
}

function render(r: TunRunResult, profile: string, view: string, color: boolean): string {
  const lines = [`── ${TITLE[r.case]} (model profile ${profile}; ${r.device ?? 'TUN device'} in namespace ${r.namespace}) ──`];
  if (view === 'ladder') lines.push(renderLadder(withKernelSide(r), { hosts: ['kernel', 'model'], color, width: 110 }).trimEnd());
  if (view === 'explain') lines.push(renderExplain(withKernelSide(r), { lang: langFromEnv(), color }).trimEnd());
  lines.push(...endpointLines(r.model), ...endpointLines(r.kernel));
  lines.push(`  SYN options  kernel: ${r.synOptions.kernel.join(', ')}`, `               tcpemu: ${r.synOptions.model.join(', ')}`);
  lines.push(`  ${segmentsOf(r.trace).length} segments in ${r.durationMs.toFixed(0)} ms (the whole run ${r.wallMs.toFixed(0)} ms)`);
  lines.push(r.ok ? 'OK' : `FAILED: ${r.problems.join('; ')}`);
  return lines.join('\n') + '\n';
}

export async function tunCommand(args: string[], io: CliIo): Promise<number> {
  let o;
  try {
    o = parse(args);
  } catch (err) {
    if (err instanceof UsageError) io.err(`${err.text && langOfArgs(args) !== 'en' ? word(langOfArgs(args), err.text) : err.message}\n`);
    else if (err instanceof Usage) io.err(`tcpemu tun: ${err.message}\n${helpHint(TUN_COMMAND)}\n`);
    else throw err;
    return 2;
  }
  if (!o) {
    io.out(formatHelp(TUN_COMMAND, langOfArgs(args)));
    return 0;
  }
  const reason = tunUnavailableWhy();
  if (reason) {
    io.err(`${msg(langOfArgs(args), 'tun.unavailable', { reason })}\n`);
    return 2;
  }
  if (o.loss) return lossCommand({ ...o.loss, profile: o.profile }, o.json, langOfArgs(args), io);
  let ok = true;
  for (const c of o.cases) {
    let r: TunRunResult;
    try {
      r = await runThroughTun({ case: c, port: 7000, profile: o.profile, sizes: o.sizes });
    } catch (err) {
      if (err instanceof TunUnavailable || err instanceof TunRunError) {
        io.err(`${msg(langOfArgs(args), 'tun.unavailable', { reason: err.text })}\n`);
        return err instanceof TunUnavailable ? 2 : 1;
      }
      throw err;
    }
    ok &&= r.ok;
    io.out(o.json ? `${JSON.stringify({ ...r, trace: undefined, segments: segmentsOf(r.trace).length })}\n` : render(r, o.profile, o.view, io.color));
  }
  return ok ? 0 : 1;
}

/** --drop / --loss: a bulk transfer each way over the same lossy path, and the comparison of the two senders. */
async function lossCommand(o: LossOptions, json: boolean, lang: ReturnType<typeof langOfArgs>, io: CliIo): Promise<number> {
  let c: LossComparison;
  try {
    c = await runLossComparison(o);
  } catch (err) {
    if (err instanceof TunUnavailable || err instanceof TunRunError) {
      io.err(`${msg(lang, 'tun.unavailable', { reason: err.text })}\n`);
      return err instanceof TunUnavailable ? 2 : 1;
    }
    throw err;
  }
  if (json) io.out(`${JSON.stringify(c)}\n`);
  else io.out(renderLossComparison(c, lang));
  return c.kernel.ok && c.model.ok ? 0 : 1;
}
