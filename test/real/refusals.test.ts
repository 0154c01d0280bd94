/**
 * What `tcpemu real` cannot compare yet it refuses before anything runs, at the step's line and column,
 * exit 2, so that no half-made comparison is reported: steps on events and forged segments.
 */
import test from 'ava';
import path from 'node:path';
import { ROOT, tcpemu } from '../cli/run.ts';

test('tcpemu real refuses steps on events, at the step, exit 2', (t) => {
  const r = tcpemu(['real', path.join(ROOT, 'fixtures/scenarios/answer-on-accept.yaml')]);
  t.is(r.code, 2);
  t.regex(r.err, /answer-on-accept\.yaml:\d+:\d+: tcpemu real cannot run steps on events \(on: "server accepted"\) yet\n  hint: /);
  t.is(r.out, '');
});

test('tcpemu real refuses forged segments (link: inject), at the step, exit 2', (t) => {
  const r = tcpemu(['real', path.join(ROOT, 'fixtures/scenarios/forged-reset.yaml')]);
  t.is(r.code, 2);
  t.regex(r.err, /forged-reset\.yaml:12:25: tcpemu real cannot forge segments \(link: inject\) yet\n  hint: /);
  t.is(r.out, '');
});
