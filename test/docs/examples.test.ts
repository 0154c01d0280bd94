/**
 * Every example in README.md and docs/*.md, run exactly as printed.
 *
 * The examples are fenced code blocks, recognised by their info string (the words after the opening
 * ```). A block added later in one of these forms is picked up without touching this test:
 *
 *   ```yaml scenario [file=NAME.yaml]
 *       A whole scenario file. It is loaded and run as printed and every expectation must hold.
 *       With file=NAME.yaml it is also written under that name in the folder where the document's
 *       console blocks run, so that a command below can run it (`$ npx tcpemu run NAME.yaml`).
 *   ```yaml refused [file=NAME.yaml]
 *       A scenario with a mistake in it, to show the error: loading it must fail with a ScenarioError
 *       (file= as above, for a command that shows the message).
 *   ```yaml fragment
 *       A part of a scenario, to show a key or two: it must be valid YAML (it cannot run alone).
 *   ```console
 *       A terminal session. A line starting with "$ " is a command; the lines after it, up to the next
 *       "$ ", are what it prints (stdout and stderr together, as a terminal shows them). The commands of
 *       a document run one after another with bash, in a fresh folder holding a link to fixtures/,
 *       where `npx tcpemu` is this checkout's bin/tcpemu.js (colour off, as in a pipe). The output must
 *       be the one printed, line by line (trailing spaces aside), where a line `...` stands for any
 *       number of lines; a command printed with no output is not checked for it. It must exit 0, or N
 *       when its shown output ends with the line `(exit N)`. A command whose program is not installed
 *       (tcpdump) is skipped, and the test says so.
 *   ```console root
 *       The same, for commands that need root (the kernel, a TUN device): run only as root, skipped
 *       otherwise with the reason; `sudo ` is dropped. The kernel's part varies from run to run, so
 *       numbers, runs of spaces and the list of kernel states read from the socket table may differ.
 *
 * And so that no example escapes: a fenced block whose first line is a "$ " command must be console,
 * and a yaml block must be scenario or fragment.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadScenario } from '../../lib/scenario/load.ts';
import { ScenarioError } from '../../lib/scenario/errors.ts';
import { runScenario } from '../../lib/scenario/runner.ts';
import { TCP_STATES } from '../../lib/trace/events.ts';
import { BIN, ROOT } from '../cli/run.ts';

interface Block {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  info: string[];
  body: string;
}

const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** The fenced blocks of a Markdown file (``` or ~~~ fences at the left margin). */
export function fencedBlocks(doc: string, text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+|~~~+)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith(fence); i++) body.push(lines[i]);
    out.push({ doc, line: start + 1, info: open[2].trim().split(/\s+/).filter(Boolean), body: body.join('\n') });
  }
  return out;
}

const blocks = DOCS.flatMap((doc) => fencedBlocks(doc, readFileSync(path.join(ROOT, doc), 'utf8')));
const where = (b: Block) => `${b.doc}:${b.line}`;
const isRoot = process.getuid?.() === 0;

test('the documents hold examples, and every example is in a form this test runs', (t) => {
  t.true(DOCS.length >= 4, `README.md and docs/: ${DOCS.join(', ')}`);
  for (const b of blocks) {
    if (b.body.split('\n')[0].startsWith('$ ')) t.is(b.info[0], 'console', `${where(b)}: a terminal session is marked console`);
    if (b.info[0] === 'yaml') t.true(['scenario', 'refused', 'fragment'].includes(b.info[1]), `${where(b)}: a yaml block is marked scenario, refused or fragment`);
  }
  t.true(blocks.filter((b) => b.info[0] === 'yaml' && b.info[1] === 'scenario').length >= 2);
  t.true(blocks.filter((b) => b.info[0] === 'console').length >= 5);
});

for (const b of blocks.filter((x) => x.info[0] === 'yaml')) {
  test(`${where(b)}: the ${b.info[1]} example`, (t) => {
    if (b.info[1] === 'fragment') {
      t.notThrows(() => parseYaml(b.body), 'valid YAML');
      return;
    }
    if (b.info[1] === 'refused') {
      t.throws(() => loadScenario(b.body + '\n', where(b)), { instanceOf: ScenarioError });
      return;
    }
    const plan = loadScenario(b.body + '\n', where(b));
    const r = runScenario(plan);
    const failed = r.expectations.filter((e) => !e.ok);
    t.deepEqual(failed.map((e) => `${e.what}: ${e.detail}`), [], 'every expectation holds');
    t.true(r.expectations.length > 0 || !/expect:/.test(b.body));
  });
}

// ---------------------------------------------------------------------------------------------
// Terminal sessions

interface Command {
  line: string;
  /** The lines printed after it; undefined when none are shown. */
  output?: string[];
  exit: number;
}

function commandsOf(b: Block): Command[] {
  const out: Command[] = [];
  for (const l of b.body.split('\n')) {
    if (l.startsWith('$ ')) out.push({ line: l.slice(2), exit: 0 });
    else if (out.length) (out[out.length - 1].output ??= []).push(l);
  }
  for (const c of out) {
    while (c.output?.length && c.output[c.output.length - 1].trim() === '') c.output.pop();
    const last = c.output?.[c.output.length - 1];
    const m = last !== undefined ? /^\(exit (\d+)\)$/.exec(last) : null;
    if (m) {
      c.exit = Number(m[1]);
      c.output!.pop();
    }
    if (c.output?.length === 0) c.output = undefined;
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const STATE = `(?:${TCP_STATES.map(escape).join('|')})`;

/** A shown line as a pattern: exact, or (root) with numbers, space runs and state lists free. */
function linePattern(expected: string, loose: boolean): RegExp {
  if (!loose) return new RegExp(`^${escape(expected.trimEnd())}$`);
  const stateRun = new RegExp(`${STATE}(?: ${STATE})*`, 'g');
  const parts = expected.trimEnd().split(stateRun).map((p) => escape(p).replace(/\d+(?:\\\.\d+)?/g, '\\d+(?:\\.\\d+)?').replace(/ +/g, ' +'));
  return new RegExp(`^${parts.join(`${STATE}(?: ${STATE})*`)}$`);
}

/** Whether the output matches the shown lines, `...` standing for any number of lines. */
export function outputMatches(actual: string[], expected: string[], loose = false): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = `${i},${j}`;
    if (memo.has(k)) return memo.get(k)!;
    let r: boolean;
    if (j === expected.length) r = i === actual.length;
    else if (expected[j].trim() === '...') r = go(i, j + 1) || (i < actual.length && go(i + 1, j));
    else r = i < actual.length && linePattern(expected[j], loose).test(actual[i].trimEnd()) && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** Defines npx so that `npx tcpemu` is this checkout's program, whatever npx would fetch. */
const PRELUDE = `npx() { if [ "$1" = tcpemu ]; then shift; node ${JSON.stringify(BIN)} "$@"; else command npx "$@"; fi; }\n`;

/** A command run with bash in `dir`, stdout and stderr together; asynchronous, so that documents run side by side. */
function bash(script: string, dir: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: dir, env: { ...process.env, NO_COLOR: '1', COLUMNS: '', LC_ALL: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

async function runSession(t: ExecutionContext, dir: string, b: Block): Promise<void> {
  const root = b.info.includes('root');
  for (const c of commandsOf(b)) {
    const line = root ? c.line.replace(/^sudo /, '') : c.line;
    const program = line.split(/\s+/)[0];
    if (program !== 'npx' && (await bash(`command -v ${program}`, dir)).status !== 0) {
      t.log(`${where(b)}: skipped \`${c.line}\`: ${program} is not installed`);
      continue;
    }
    // stderr joins stdout in one pipe, in the order the program wrote them, as a terminal shows them.
    const r = await bash(`${PRELUDE}{ ${line}\n} 2>&1`, dir);
    const printed = r.output.replace(/\n+$/, '').split('\n');
    t.is(r.status, c.exit, `${where(b)}: \`${c.line}\` exits ${c.exit}; it printed:\n${r.output}`);
    if (c.output) t.true(outputMatches(printed, c.output, root), `${where(b)}: \`${c.line}\` prints what the document shows.\nshown:\n${c.output.join('\n')}\nprinted:\n${printed.join('\n')}`);
  }
}

for (const doc of DOCS) {
  const sessions = blocks.filter((b) => b.doc === doc && b.info[0] === 'console');
  if (sessions.length === 0) continue;
  test(`${doc}: every terminal session prints what it shows`, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tcpemu-docs-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync(path.join(ROOT, 'fixtures'), path.join(dir, 'fixtures'));
    for (const b of blocks.filter((x) => x.doc === doc && x.info[0] === 'yaml' && x.info[1] !== 'fragment')) {
      const file = b.info.find((w) => w.startsWith('file='))?.slice('file='.length);
      if (file) writeFileSync(path.join(dir, file), b.body + '\n');
    }
    for (const b of sessions) {
      if (b.info.includes('root') && !isRoot) {
        t.log(`${where(b)}: skipped, it needs root`);
        continue;
      }
      await runSession(t, dir, b);
    }
  });
}

test('the output matcher: exact lines, ... for any number, and the loose form for kernel runs', (t) => {
  t.true(outputMatches(['a', 'b', 'c'], ['a', '...', 'c']));
  t.true(outputMatches(['a', 'c'], ['a', '...', 'c']));
  t.false(outputMatches(['a', 'b'], ['a', 'c']));
  t.false(outputMatches(['a', 'b', 'x'], ['a', '...', 'c']));
  t.true(outputMatches(['  226 segments in 31 ms'], ['  12 segments in 7.5 ms'], true));
  t.false(outputMatches(['  226 segments in 31 ms'], ['  12 segments in 7.5 ms'], false));
  t.true(outputMatches(['states   ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT  (read)'], ['states   ESTABLISHED FIN-WAIT-2 TIME-WAIT  (read)'], true));
  t.false(outputMatches(['read 5 bytes, WRONG'], ['read 5 bytes, intact'], true));
});
