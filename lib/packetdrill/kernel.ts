/**
 * The kernel's own verdict on a script: real packetdrill (built from ../shared/vendor/packetdrill) run
 * against this machine's Linux in a network namespace of its own (`unshare -n`), as run_all.py runs it
 * (local 192.168.0.1, remote 192.0.2.1, TFO_COOKIE defined). The script runs from a scratch folder two
 * levels below a `tcp/` folder in which every helper path the scripts use (`../common/defaults.sh`,
 * `../../common/...`, `../../tcp/common/...`, `../../../tcp/common/...`) leads to the scripts' `common/`,
 * as upstream's tree would; the script itself is linked there, never copied. Every wait is bounded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, existsSync, writeFileSync } from 'node:fs';
import { SCRIPT_DEFINES, type DefaultsName } from './sysctl.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface KernelResult {
  verdict: 'pass' | 'fail' | 'error';
  /** packetdrill's first error line, or why it could not run. */
  reason?: string;
}

/** packetdrill on PATH, or undefined. */
export function findPacketdrill(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, 'packetdrill');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The scratch tree for one script; returns its working folder and a cleanup. */
function scratchTree(scriptFile: string, common: string): { cwd: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'tcpemu-pd-'));
  const cwd = path.join(root, 'tcp', 'a', 'b');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(path.join(root, 'tcp', 'tcp'), { recursive: true });
  symlinkSync(common, path.join(root, 'tcp', 'common'));
  symlinkSync(common, path.join(root, 'tcp', 'a', 'common'));
  symlinkSync(common, path.join(root, 'tcp', 'tcp', 'common'));
  symlinkSync(path.resolve(scriptFile), path.join(cwd, path.basename(scriptFile)));
  return { cwd, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * The 2013 scripts ran on Linux 3.11's stock settings, which no helper of theirs sets: a receive buffer
 * whose maximum gives wscale 6, and CUBIC. They are set in the script's own namespace before it runs
 * (packetdrill's --init_scripts); the namespace, and they, go when it ends.
 */
const LINUX_3_11_INIT = `#!/bin/sh
sysctl -q net.ipv4.tcp_rmem="4096 87380 3732736"
sysctl -q net.ipv4.tcp_wmem="4096 16384 4194304"
sysctl -q net.ipv4.tcp_congestion_control=cubic 2>/dev/null || true
`;

export function runOnKernel(scriptFile: string, opts: { packetdrill: string; toleranceUsecs: number; defaults?: DefaultsName; timeoutMs?: number }): KernelResult {
  const common = path.join(path.dirname(path.resolve(scriptFile)), '..', 'common');
  const tree = scratchTree(scriptFile, existsSync(common) ? path.resolve(common) : path.resolve(path.dirname(scriptFile)));
  const init: string[] = [];
  if (opts.defaults === 'linux-3.11') {
    const file = path.join(tree.cwd, 'linux-3.11-defaults.sh');
    writeFileSync(file, LINUX_3_11_INIT, { mode: 0o755 });
    init.push(`--init_scripts=${file}`);
  }
  try {
    const r = spawnSync('unshare', ['-n', opts.packetdrill, ...init, '--local_ip=192.168.0.1', '--gateway_ip=192.168.0.1', '--remote_ip=192.0.2.1', ...Object.entries(SCRIPT_DEFINES).flatMap(([k, v]) => ['-D', `${k}=${v}`]), `--tolerance_usecs=${opts.toleranceUsecs}`, path.basename(scriptFile)], {
      cwd: tree.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, killSignal: 'SIGKILL',
    });
    if (r.error) return { verdict: 'error', reason: r.error.message };
    if (r.status === 0) return { verdict: 'pass' };
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
    const main = lines.find((l) => /\.pkt(:\d+)?: /.test(l)) ?? lines[0] ?? `exit status ${r.status ?? r.signal}`;
    return { verdict: 'fail', reason: main.replace(/^.*?\.pkt:/, 'line ') };
  } finally {
    tree.cleanup();
  }
}
