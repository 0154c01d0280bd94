/**
 * What `tcpemu real` cannot compare on loopback it refuses before anything runs, at the step's line and
 * column, exit 2, so that no half-made comparison is reported: steps on events and forged segments need
 * the run through namespaces (test/real/netns.test.ts runs them there).
 */
import test from 'ava';
import path from 'node:path';
import { ROOT, tcpemu } from '../cli/run.ts';

test('tcpemu real --loopback refuses steps on events, at the step, exit 2', (t) => {
  const r = tcpemu(['real', '--loopback', path.join(ROOT, 'fixtures/scenarios/answer-on-accept.yaml')]);
  t.is(r.code, 2);
  t.regex(r.err, /answer-on-accept\.yaml:9:38: tcpemu real runs steps on events \(on: "server accepted"\) only through namespaces, not on loopback \(asked for with --loopback\)\n  hint: /);
  t.is(r.out, '');
});

test('tcpemu real --loopback refuses forged segments (link: inject), at the step, exit 2', (t) => {
  const r = tcpemu(['real', '--loopback', path.join(ROOT, 'fixtures/scenarios/forged-reset.yaml')]);
  t.is(r.code, 2);
  t.regex(r.err, /forged-reset\.yaml:12:25: tcpemu real forges segments \(link: inject\) only through namespaces, not on loopback \(asked for with --loopback\)\n  hint: /);
  t.is(r.out, '');
});

test('tcpemu real --json prints JSON only: with --view explain (sentences) it is refused before anything runs, exit 2', (t) => {
  const r = tcpemu(['real', '--json', '--view', 'explain', path.join(ROOT, 'fixtures/scenarios/handshake.yaml')]);
  t.is(r.code, 2);
  t.is(r.err, 'tcpemu real: --json prints the comparison as JSON; it cannot go with --view explain\n');
  t.is(r.out, '');
});
