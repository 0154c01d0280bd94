/**
 * Every command answers --help and -h with its usage and every flag it accepts described (the flags
 * are read from the command's own table, the one its parser is made from, so a flag added without a
 * description fails here); unknown commands and flags get a "did you mean" and exit 2.
 */
import test from 'ava';
import { main } from '../../bin/tcpemu.ts';
import { allOptions, suggest, synopsis, type CommandSpec } from '../../lib/cli/args.ts';
import { PACKETDRILL_COMMAND, REAL_COMMAND, REPLAY_COMMAND, REPORT_COMMAND, RUN_COMMAND } from '../../lib/cli/commands.ts';
import { TUN_COMMAND } from '../../lib/cli/tun.ts';
import { BENCH_COMMAND } from '../../lib/bench/index.ts';
import { SWEEP_COMMAND } from '../../lib/sweep/index.ts';
import { tcpemu } from './run.ts';

const SPECS: CommandSpec[] = [RUN_COMMAND, REPLAY_COMMAND, REAL_COMMAND, TUN_COMMAND, BENCH_COMMAND, REPORT_COMMAND, SWEEP_COMMAND, PACKETDRILL_COMMAND];

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s), isTTY: false, color: false });
  return { code, out, err };
}

const flat = (s: string) => s.replace(/\s+/g, ' ');

for (const spec of SPECS) {
  for (const flag of ['--help', '-h']) {
    test(`tcpemu ${spec.name} ${flag}: the usage, every flag the parser accepts described, exit 0`, async (t) => {
      // After other arguments too: --help wins over what would be an error.
      for (const args of [[spec.name, flag], [spec.name, 'some-file', flag]]) {
        const r = await cli(args);
        t.is(r.code, 0, r.err);
        t.is(r.err, '');
        t.true(r.out.startsWith(`usage: tcpemu ${spec.name}`), r.out);
        for (const [name, o] of Object.entries(allOptions(spec))) {
          t.true(o.help.trim().length > 0, `--${name} has a description`);
          const row = r.out.split('\n').findIndex((l) => new RegExp(`^  (-\\w, )?--${name}\\b`).test(l));
          t.true(row >= 0, `--${name} is listed:\n${r.out}`);
          t.true(flat(r.out).includes(flat(o.help)), `--${name}'s description is printed`);
        }
      }
    });
  }
}

for (const cmd of ['serve', 'connect']) {
  test(`tcpemu ${cmd} --help and -h: its usage, exit 0`, (t) => {
    for (const flag of ['--help', '-h']) {
      const r = tcpemu([cmd, flag]);
      t.is(r.code, 0, r.err);
      t.regex(r.out, new RegExp(`^usage: tcpemu ${cmd} --udp ADDR:PORT`));
      t.regex(r.out, /--seed N/);
    }
  });
}

test('the main help (--help, -h, help) lists every command with every flag its parser accepts', async (t) => {
  const r = await cli(['--help']);
  t.is(r.code, 0);
  for (const spec of SPECS) t.true(flat(r.out).includes(flat(synopsis(spec))), `main help has: ${synopsis(spec)}`);
  for (const cmd of ['serve --udp ADDR:PORT', 'connect --udp ADDR:PORT', 'help [COMMAND]']) t.true(r.out.includes(`tcpemu ${cmd}`), cmd);
  t.is((await cli(['-h'])).out, r.out);
  t.is((await cli(['help'])).out, r.out);
  t.is((await cli(['help', 'run'])).out, (await cli(['run', '--help'])).out);
});

test('as a program: tcpemu run --help prints to stdout and exits 0', (t) => {
  const r = tcpemu(['run', '--help']);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^usage: tcpemu run FILE\.\.\. \[--seed N\]/);
  t.is(r.err, '');
});

test('an unknown command: "did you mean", exit 2, nothing on stdout', async (t) => {
  for (const [typo, meant] of [['rnu', 'run'], ['replya', 'replay'], ['raport', 'report'], ['bnech', 'bench']]) {
    const r = await cli([typo, 'x.yaml']);
    t.is(r.code, 2);
    t.is(r.out, '');
    t.is(r.err, `tcpemu: unknown command '${typo}'; did you mean '${meant}'?\nrun 'tcpemu --help' for the commands\n`);
  }
  const far = await cli(['frobnicate']);
  t.is(far.code, 2);
  t.notRegex(far.err, /did you mean/);
});

test('an unknown flag: "did you mean" the nearest, exit 2, and quotes that balance', async (t) => {
  const cases: Array<[string[], string]> = [
    [['run', 'x.yaml', '--sede', '3'], '--seed'],
    [['run', 'x.yaml', '--jsno'], '--json'],
    [['run', 'x.yaml', '--max-event', '5'], '--max-events'],
    [['replay', 'x.pcap', '--breif'], '--brief'],
    [['report', 'x.jsonl', '--ouptut', 'o.html'], '--output'],
    [['real', 'x.yaml', '--setle', '5'], '--settle'],
    [['tun', '--profiel', 'rfc'], '--profile'],
    [['bench', '--quik'], '--quick'],
  ];
  for (const [args, meant] of cases) {
    const r = await cli(args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.out, '');
    t.true(r.err.startsWith(`tcpemu ${args[0]}: unknown option ${[...args].reverse().find((a) => a.startsWith('--'))}; did you mean ${meant}?\n`), r.err);
    t.true(r.err.endsWith(`run 'tcpemu ${args[0]} --help' for its usage\n`), r.err);
    t.is((r.err.match(/'/g) ?? []).length % 2, 0, `balanced quotes: ${r.err}`);
  }
});

test('a flag without its value, or a value given to a switch, is said in words (exit 2)', async (t) => {
  const missing = await cli(['run', 'x.yaml', '--seed']);
  t.is(missing.code, 2);
  t.regex(missing.err, /^tcpemu run: --seed needs a value: --seed N\n/);
  const eaten = await cli(['run', 'x.yaml', '--trace', '--json']);
  t.regex(eaten.err, /--trace needs a value, but the next word is the flag --json/);
  const valued = await cli(['run', 'x.yaml', '--json=yes']);
  t.regex(valued.err, /--json is a switch and takes no value, but was given 'yes'/);
  const stray = await cli(['bench', 'fast']);
  t.regex(stray.err, /^tcpemu bench: takes no arguments, but was given 'fast'/);
  const trace = await cli(['replay', 'fixtures/traces/demo.jsonl', '--as', 'client']);
  t.is(trace.code, 2);
  t.regex(trace.err, /^tcpemu replay: --as is for captures; a trace is replayed as it was recorded\n/);
  const view = await cli(['run', 'x.yaml', '--view', 'ladr']);
  t.regex(view.err, /--view is one of ladder, states, summary, explain, none, not 'ladr'; did you mean ladder\?/);
});

test('suggest: the nearest known word within a few edits, or none', (t) => {
  t.is(suggest('--sede', ['--seed', '--json']), '--seed');
  t.is(suggest('--pcp', ['--pcap', '--trace']), '--pcap');
  t.is(suggest('--xyzzy', ['--seed', '--json']), undefined);
  t.is(suggest('conn', ['connect', 'serve']), 'connect', 'a prefix of one command');
});
