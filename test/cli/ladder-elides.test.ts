/**
 * The ladder of a long run (issue 29): `tcpemu run` draws the run's first LADDER_KEEPS events and says how many
 * more it leaves out, instead of holding the whole trace (and stopping at --max-events); the verdict and the
 * segment count take in the whole run. Asked for --max-events, it holds the trace up to that, as before.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LADDER_KEEPS } from '../../bin/tcpemu.ts';
import { tcpemu, tmp } from './run.ts';

const BULK = `name: long-ladder
tcp: { profile: linux }
hosts: { client: {}, server: {} }
link: { delay: 1ms, rate: 1gbit }
steps:
  - { at: 0, server: listen 80 }
  - { at: 0, client: connect server:80 }
  - { at: 10ms, client: send 6000000 }
expect:
  delivered: { server: 6000000 }
`;

test('a ladder longer than the ladder keeps is drawn up to it, with a line that says how many events follow and when', (t) => {
  const f = path.join(tmp(t), 'long.yaml');
  writeFileSync(f, BULK);
  const r = tcpemu(['run', f, '--width', '100']);
  t.is(r.code, 0, r.err);
  const m = /^\(… (\d+) more events, ([\d.]+ m?s) to ([\d.]+ m?s), not drawn: the ladder keeps a run's first (\d+); --trace FILE writes every event/m.exec(r.out);
  t.truthy(m, r.out.slice(-2000));
  t.is(Number(m![4]), LADDER_KEEPS);
  t.true(Number(m![1]) > 0);
  // The verdict counts every segment of the run, not only those drawn: about 4,100 data segments of 1448 bytes.
  const segs = Number(/PASS long-ladder .*: 1\/1 expectations hold, (\d+) segments/.exec(r.out)?.[1]);
  t.true(segs > 4_100, r.out.slice(-500));
  // Asked for a limit, the run holds its trace up to it and stops there, as before.
  const limited = tcpemu(['run', f, '--max-events', '5000']);
  t.is(limited.code, 2);
  t.regex(limited.err, /the trace reached its limit of 5000 events/);
});
