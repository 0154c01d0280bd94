/**
 * Interop through a TUN device: the model as one endpoint and the kernel's TCP as the other, with
 * real IPv4 packets between them (not a capture, not loopback sockets on both sides).
 *
 * How (each step measured on Debian 12, Node 20, as root; see MACHINE-NOTES.md, TUN):
 * 1. A network namespace of the run's own (`ip netns add tcpemu-tun-PID-N`): nothing the run does is
 *    seen outside it, and deleting it removes every socket and route it had.
 * 2. Inside it, lib/real/tun-helper.py opens /dev/net/tun (Node cannot issue the TUNSETIFF ioctl),
 *    creates the device tcpemu0 with the kernel's address 10.99.0.1/24, IPv6 off, and execs Node
 *    with the device as fd 3.
 * 3. That Node process (lib/real/tun-child.ts) runs one conversation (lib/real/tun-dialogue.ts): the
 *    model's Host at 10.99.0.2 on the TUN link, the kernel's `net` socket on 10.99.0.1 (the process is
 *    in the namespace, so its sockets are too), and prints a JSON report.
 * 4. Here: wait for the report (bounded), then kill whatever is left of the process group and delete
 *    the namespace, on success and failure alike. Namespaces left by a run that was killed before its
 *    cleanup (their PID is gone) are deleted by the next run.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, findPython, findTool } from './kernel.ts';
import { word, type Msg } from '../i18n/index.ts';
import { FROM_SOURCE, moduleFile } from '../paths.ts';
import { KERNEL_ADDR, TUN_PREFIX, type DialogueOptions, type DialogueReport } from './tun-dialogue.ts';
import type { TimedEvent } from '../trace/events.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const HELPER = path.join(HERE, 'tun-helper.py');
const CHILD = moduleFile(HERE, 'tun-child');
export const TUN_DEVICE = 'tcpemu0';
export const NAMESPACE_PREFIX = 'tcpemu-tun-';
/**
 * Beyond the conversation's own bound: Node and tsx starting, the helper, the report. Run by itself this
 * takes about a second; inside the full test suite on a busy 2-core machine the start-up alone took 6.5 s.
 */
const STARTUP_MARGIN_MS = 30_000;

/** The TUN interop cannot run here (not root, no /dev/net/tun, no `ip`...): a user-facing reason. */
export class TunUnavailable extends Error {
  override name = 'TunUnavailable';
  /** The reason as a message key and its parameters (the CLI words it in the user's language). */
  readonly text: Msg;
  constructor(text: Msg) {
    super(word('en', text));
    this.text = text;
  }
}

/** The run itself went wrong (the child hung or died without a report): not the TCPs' disagreement. */
export class TunRunError extends Error {
  override name = 'TunRunError';
  /** The problem as a message key and its parameters (the CLI words it in the user's language). */
  readonly text: Msg;
  constructor(text: Msg) {
    super(word('en', text));
    this.text = text;
  }
}

/**
 * Why the TUN interop cannot run here, from what can be checked without changing anything; undefined when it may.
 * `who`: what cannot run (the TUN interop; `tcpemu real` through namespaces asks the same of the machine).
 */
export function tunUnavailableWhy(who: Msg = { key: 'realw.who.tun' }): Msg | undefined {
  if (process.platform !== 'linux') return { key: 'realw.no.linux', params: { who, platform: process.platform } };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { key: 'realw.no.netnsRoot', params: { who } };
  if (!existsSync('/dev/net/tun')) return { key: 'realw.no.tun' };
  if (!findTool('ip')) return { key: 'realw.no.ip', params: { who } };
  if (!findTool('python3')) return { key: 'realw.no.python', params: { who } };
  return undefined;
}

/** tunUnavailableWhy() in English. */
export function tunUnavailableReason(): string | undefined {
  const why = tunUnavailableWhy();
  return why && word('en', why);
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function ip(args: string[], timeoutMs = 10_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(findTool('ip') ?? 'ip', args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}


/** Our namespaces whose process is gone (a run killed before its cleanup): deleted. */
export async function reapStale(prefix = NAMESPACE_PREFIX): Promise<void> {
  const list = await ip(['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = new RegExp(`^(${prefix}(\\d+)-[\\d-]+)\\b`).exec(line.trim());
    if (m && Number(m[2]) !== process.pid && !alive(Number(m[2]))) await ip(['netns', 'del', m[1]]);
  }
}

let runs = 0;

async function makeNamespace(): Promise<string> {
  const reason = tunUnavailableWhy();
  if (reason) throw new TunUnavailable(reason);
  await reapStale();
  const ns = `${NAMESPACE_PREFIX}${process.pid}-${++runs}`;
  const r = await ip(['netns', 'add', ns]);
  if (r.code !== 0) throw new TunUnavailable({ key: 'realw.err.netnsAdd', params: { ns, why: r.stderr.trim() || { key: 'realw.err.exit', params: { code: String(r.code) } } } });
  return ns;
}

export async function deleteNamespace(ns: string): Promise<void> {
  // A namespace whose last process is still exiting can refuse for a moment: try again briefly.
  for (let i = 0; i < 5; i++) {
    if ((await ip(['netns', 'del', ns])).code === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Run `program` inside a fresh namespace with a fresh TUN device as its fd 3; resolve with what it
 * printed once it exits, or kill its process group after `timeoutMs`. Always deletes the namespace.
 */
export async function inNamespaceWithTun(program: string[], timeoutMs: number): Promise<Ran & { namespace: string; timedOut: boolean }> {
  const ns = await makeNamespace();
  const python = findPython()!;
  const child = spawn(findTool('ip') ?? 'ip', ['netns', 'exec', ns, python, HELPER, '--dev', TUN_DEVICE, '--addr', `${KERNEL_ADDR}/${TUN_PREFIX}`, '--', ...program], {
    // Its own process group, so that one kill reaches whatever it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      stderr += `${err.message}\n`;
      resolve({ code: null, signal: null });
    });
  });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  try {
    const bound = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), timeoutMs); });
    let end = await Promise.race([exited, bound]);
    if (!end) {
      timedOut = true;
      killGroup();
      end = await Promise.race([exited, new Promise<{ code: null; signal: null }>((r) => setTimeout(() => r({ code: null, signal: null }), 2000))]);
    }
    return { ...end, stdout, stderr, namespace: ns, timedOut };
  } finally {
    clearTimeout(timer);
    killGroup();
    await deleteNamespace(ns);
  }
}

let tsxLoader: string | undefined;

/**
 * Node for the child: from source, with `--import <tsx>` (resolved from here, so that the child runs
 * whatever the working directory); compiled (dist/, an installed package), plain Node.
 */
export function nodeWithTsx(): string[] {
  if (!FROM_SOURCE) return [process.execPath];
  tsxLoader ??= import.meta.resolve('tsx');
  return [process.execPath, '--import', tsxLoader];
}

/**
 * The whole check, by doing it: create a namespace, create the TUN device in it (running `true` as
 * the program), delete both. Undefined when all of that worked, else why not.
 */
export async function probeTun(): Promise<string | undefined> {
  try {
    const r = await inNamespaceWithTun(['true'], 5000);
    if (r.code === 0) return undefined;
    return /^tun-helper: (.*)$/m.exec(r.stderr)?.[1] ?? `the TUN helper failed (${r.signal ?? `exit ${r.code}`}): ${r.stderr.trim()}`;
  } catch (err) {
    if (err instanceof TunUnavailable) return err.message;
    throw err;
  }
}

export interface TunRunOptions extends Omit<DialogueOptions, 'fd'> {
  /** Bound on the conversation (ms, default 15 000); the whole run gets 30 s more for starting up. */
  timeoutMs?: number;
}

export interface TunRunResult extends DialogueReport {
  namespace: string;
  /** Wall time of the whole run: namespace, helper, Node starting, conversation, cleanup (ms). */
  wallMs: number;
}

/**
 * One conversation between the model and the kernel through a TUN device in a namespace of its own.
 * Throws TunUnavailable when it cannot run here, TunRunError when the run broke (no report);
 * what the TCPs did, agreeing or not, is in the report (`ok`, `problems`).
 */
export async function runThroughTun(o: TunRunOptions): Promise<TunRunResult> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  return runTunChild<DialogueReport>({ ...o, timeoutMs }, timeoutMs);
}

/**
 * Runs lib/real/tun-child.ts with `options` in a namespace of its own (the conversation, or with `mode:
 * 'bulk'` a transfer over a lossy path, lib/real/tun-bulk.ts) and returns its report with the namespace
 * and the whole run's wall time. `timeoutMs` is the child's own bound; the run gets STARTUP_MARGIN_MS more.
 */
export async function runTunChild<R>(options: object, timeoutMs: number): Promise<R & { namespace: string; wallMs: number }> {
  const t0 = performance.now();
  const r = await inNamespaceWithTun([...nodeWithTsx(), CHILD, JSON.stringify(options)], timeoutMs + STARTUP_MARGIN_MS);
  const why = r.stderr.trim().split('\n').slice(-3).join(' | ');
  // What the helper and the child said is quoted as they said it (another program's words); the rest is a message.
  if (r.code === 3 && /^tun-helper:/m.test(r.stderr)) throw new TunUnavailable({ key: 'tun.e.helper', params: { said: /^tun-helper: (.*)$/m.exec(r.stderr)![1]! } });
  const ns = r.namespace;
  if (r.timedOut) throw new TunRunError(why ? { key: 'tun.e.timeoutWhy', params: { ns, ms: timeoutMs + STARTUP_MARGIN_MS, said: why } } : { key: 'tun.e.timeout', params: { ns, ms: timeoutMs + STARTUP_MARGIN_MS } });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: (R & { fatal?: undefined }) | { fatal: string };
  try {
    parsed = JSON.parse(last) as typeof parsed;
  } catch {
    const how: string | Msg = r.signal ?? { key: 'realw.err.exit', params: { code: String(r.code) } };
    throw new TunRunError(why ? { key: 'tun.e.noReportWhy', params: { ns, how, said: why } } : { key: 'tun.e.noReport', params: { ns, how } });
  }
  if (parsed.fatal !== undefined) throw new TunRunError({ key: 'tun.e.fatal', params: { ns, said: parsed.fatal } });
  return { ...(parsed as R), namespace: r.namespace, wallMs: performance.now() - t0 };
}

/** Namespaces of ours that exist now (for tests: none should outlive a run). */
export async function leftoverNamespaces(): Promise<string[]> {
  const list = await ip(['netns', 'list']);
  return list.stdout.split('\n').map((l) => l.trim().split(/\s/)[0]).filter((n) => n.startsWith(NAMESPACE_PREFIX));
}

/**
 * The model's trace with the kernel's column filled in, for the ladder and the HTML report: each
 * segment the model received was sent by the kernel, and each it sent was received by the kernel, at
 * the model's time (the only time known; the device neither loses nor delays), and the kernel's states
 * come in at the times they were first read from its table.
 */
export function withKernelSide(r: DialogueReport, kernelHost = 'kernel'): TimedEvent[] {
  const out: TimedEvent[] = [];
  for (const ev of r.trace) {
    if (ev.type !== 'segment' || ev.event === 'drop') out.push(ev);
    else if (ev.event === 'rx') out.push({ ...ev, event: 'tx', host: kernelHost, conn: 'k1' }, ev);
    else out.push(ev, { ...ev, event: 'rx', host: kernelHost, conn: 'k1' });
  }
  r.kernel.states.forEach((to, i) => {
    out.push({ t: r.kernelStateTimes[i] ?? 0, type: 'state', host: kernelHost, conn: 'k1', from: r.kernel.states[i - 1] ?? 'CLOSED', to, cause: 'read from the socket table' });
  });
  // Stable: events of one instant keep their order, the kernel's states after the model's events.
  return out.map((ev, i) => ({ ev, i })).sort((a, b) => a.ev.t - b.ev.t || a.i - b.i).map((x) => x.ev);
}
