/**
 * Semantic versioning from here on: docs/api.txt lists every export of the package ('tcpemu',
 * lib/index.ts) with its type. An export removed, renamed or changed without the report being
 * written again (npm run api-report) fails here, naming it.
 */
import test from 'ava';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiReport } from '../../scripts/api-report.mjs';
import { ROOT, tmp } from '../cli/run.ts';

/** Each export's block, by name: 'class World\n  new(...)...'. */
function blocks(report: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of report.split('\n\n').slice(1)) {
    const m = /^(?:class|interface|type|function|const) (\w+)/.exec(block);
    if (m) out.set(m[1]!, (out.get(m[1]!) ?? '') + block);
  }
  return out;
}

test('docs/api.txt is the report of the exports of lib/index.ts, export for export', (t) => {
  const recorded = blocks(readFileSync(path.join(ROOT, 'docs/api.txt'), 'utf8'));
  const now = blocks(apiReport(ROOT));
  const gone = [...recorded.keys()].filter((k) => !now.has(k));
  const added = [...now.keys()].filter((k) => !recorded.has(k));
  const changed = [...now.keys()].filter((k) => recorded.has(k) && recorded.get(k) !== now.get(k));
  const hint = 'if this is on purpose, run `npm run api-report` and bump the version as semver says (a removal or change is a major one)';
  t.deepEqual(gone, [], `exports removed or renamed: ${gone.join(', ')}; ${hint}`);
  t.deepEqual(changed, [], `exports whose type changed: ${changed.map((k) => `\n--- docs/api.txt\n${recorded.get(k)}\n+++ now\n${now.get(k)}`).join('\n')}\n${hint}`);
  t.deepEqual(added, [], `exports not in docs/api.txt yet: ${added.join(', ')}; ${hint}`);
  // The surface is what the guide documents: a world, its sockets, faults, expectations, trace types.
  for (const name of ['World', 'WorldHost', 'Socket', 'Server', 'Faults', 'expectSegments', 'expectStates', 'ExpectationError', 'TraceEvent']) t.true(now.has(name), name);
});

test('a renamed export is caught: lib/index.ts exporting World as Universe no longer matches docs/api.txt', (t) => {
  const dir = tmp(t);
  cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
  cpSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const index = path.join(dir, 'lib/index.ts');
  writeFileSync(index, readFileSync(index, 'utf8').replace('export { World, ', 'export { World as Universe, '));
  const now = blocks(apiReport(dir));
  const recorded = blocks(readFileSync(path.join(ROOT, 'docs/api.txt'), 'utf8'));
  t.false(now.has('World'));
  t.true(now.has('Universe'));
  t.deepEqual([...recorded.keys()].filter((k) => !now.has(k)), ['World']);
});
