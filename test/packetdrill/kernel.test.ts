/**
 * The kernel side: our own scripts (fixtures/packetdrill) run on this machine's Linux with real packetdrill,
 * each in a network namespace of its own, and must pass there as on the model. Needs root and packetdrill
 * (on PATH, or TCPEMU_PACKETDRILL=BIN); skipped with the reason otherwise. Every run is bounded (120 s a
 * script, kernel.ts), and its namespace, TUN device and scratch folder go with it.
 */
import test from 'ava';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { findPacketdrill } from '../../lib/packetdrill/kernel.ts';
import { spawnSync } from 'node:child_process';
import { BIN, ROOT } from '../cli/run.ts';

const bin = process.env.TCPEMU_PACKETDRILL ?? findPacketdrill();
const why = process.getuid?.() !== 0 ? 'not root' : bin === undefined || !existsSync(bin) ? 'no packetdrill (PATH or TCPEMU_PACKETDRILL)' : undefined;

(why ? test.skip : test)(`our own scripts pass on this kernel too${why ? ` (skipped: ${why})` : ''}`, (t) => {
  // Real time: time-wait-expiry alone waits 66 s; the whole run is bounded at 5 minutes.
  t.timeout(360_000);
  const r = spawnSync(process.execPath, [BIN, 'packetdrill', '--kernel', '--packetdrill', bin!, '--json', path.join(ROOT, 'fixtures/packetdrill')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  // Exit 1 when a script failed: judged script by script below (a kernel timing miss gets one more run).
  t.true(r.status === 0 || r.status === 1, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; verdict: string; kernel: { verdict: string; reason: string | null } });
  t.true(lines.length >= 6);
  for (const l of lines) {
    t.is(l.verdict, 'pass', l.file);
    // The kernel on a shared VM is now and then past packetdrill's 50 ms tolerance: a script that fails on
    // timing alone runs once more, on its own, with 100 ms, and must pass then (it is logged either way).
    // (user-timeout.pkt's ETIMEDOUT came 56 ms late in two runs in a row while CI's real-time tests ran
    // beside it, and on time on the idle machine.)
    let kernel = l.kernel;
    if (kernel.verdict !== 'pass' && /timing error/.test(kernel.reason ?? '')) {
      t.log(`${path.basename(l.file)}: ${kernel.reason}; run once more with a tolerance of 100 ms`);
      const again = spawnSync(process.execPath, [BIN, 'packetdrill', '--kernel', '--packetdrill', bin!, '--tolerance_usecs', '100000', '--json', l.file], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      kernel = (JSON.parse(again.stdout.trim().split('\n')[0] ?? '{}') as { kernel?: typeof kernel }).kernel ?? kernel;
    }
    t.is(kernel.verdict, 'pass', `${l.file}: ${kernel.reason}`);
  }
});
