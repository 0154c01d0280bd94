/**
 * The fuzz supervisor (lib/fuzz/supervise.ts): what a decoder does wrong, it reports with the input that
 * did it, even when the decoder never returns or takes its process down. The targets in misbehaving.ts
 * go wrong on inputs 42 xx xx...; each runs in a child process, as under npm run fuzz.
 */
import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { superviseTarget } from '../../lib/fuzz/supervise.ts';

const MODULE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'misbehaving.ts');
const run = (target: string, hangMs = 1000) => superviseTarget({ module: MODULE, target, runs: 3000, seed: 3, hangMs, heapLimitMB: 64 });

/** The input reported: bytes starting 42 with at least 3 of them, as hex and as an offset/hex/ASCII dump. */
function reportsTheCulprit(t: import('ava').ExecutionContext, failure: { input: string; dump: string } | undefined) {
  const hex = /^hex (42[0-9a-f]{4,})$/.exec(failure?.input ?? '');
  t.truthy(hex, failure?.input);
  t.regex(failure?.dump ?? '', /^\d+ bytes:\n  00000000: 42/);
}

test('a decoder that never returns: the child is killed after the hang time and the input in hand reported', async (t) => {
  const r = await run('loops');
  t.regex(r.failure?.error ?? '', /^hang: input #\d+ was still in the decoder after 1 s/);
  reportsTheCulprit(t, r.failure);
});

test('a decoder whose memory grows without bound: the child dies at its heap limit, and the input is reported', async (t) => {
  // Filling 64 MiB takes V8 a few collections near the limit: well under a second alone, but more than
  // one on a busy machine (seen in the full suite), where a 1 s hang bound would call it a hang.
  const r = await run('hoards', 20_000);
  t.regex(r.failure?.error ?? '', /^crash: the process died \((SIG[A-Z]+|exit status \d+)\) with input #\d+/);
  reportsTheCulprit(t, r.failure);
});

test('a decoder that throws the wrong error: fast-check shrinks the input to the smallest that does it', async (t) => {
  const r = await run('throws');
  t.regex(r.failure?.error ?? '', /^RangeError: read past the end/);
  t.is(r.failure?.input, 'hex 420000');
});

test('a decoder that behaves: every input counted, no failure, heap measured', async (t) => {
  const r = await run('behaves');
  t.is(r.failure, undefined);
  t.is(r.inputs, 3000);
  t.is(r.accepted + r.rejected, 3000);
  t.true(r.heapStartMB > 0 && r.heapEndMB > 0);
});
