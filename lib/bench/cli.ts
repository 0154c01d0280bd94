/**
 * bench case `cli` (issue 29): the user's jobs, run as a user runs them (`tcpemu run FILE --view summary`,
 * a new process each time, the installed command bin/tcpemu.cjs), and the same jobs on ns-3 where it is
 * installed (Debian: apt-get install ns3 libns3-dev), its program (lib/bench/ns3/jobs.cc) compiled here
 * with the system's g++. The two take turns, round after round, and each side's best round counts.
 * Wall time is measured around the child; its peak memory comes from GNU time (`/usr/bin/time -f %M`)
 * where that is installed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths.ts';
import { msg, word, type Lang, type Msg } from '../i18n/index.ts';

export const CLI_JOBS = ['startup', 'bulk', 'lossy', 'flows'] as const;
export type CliJob = (typeof CLI_JOBS)[number];

/** What each job is, in words (the README's table says the same). */
export const JOB_WORDS: Record<CliJob, string> = {
  startup: 'a 1-byte scenario (start-up)',
  bulk: '64 MiB bulk, 1 Gbit/s, 5 ms, 4 MiB buffers',
  lossy: '16 MiB over 100 Mbit/s, 20 ms, 1% loss',
  flows: '1,000 flows x 64 KiB, 1 Gbit/s, 1 ms',
};

/** The scenario of one job; `scale` multiplies the data (bulk, lossy) or the flows (flows). */
export function jobScenario(job: CliJob, scale = 1): string {
  const head = (name: string, link: string, tcp: string) =>
    `name: ${name}\nuntil: 24h\ntcp: { profile: linux${tcp} }\nhosts: { client: {}, server: {} }\nlink: { ${link} }\nsteps:\n  - { at: 0, server: listen 80 }\n`;
  const big = ', sndbuf: 4MiB, rcvbuf: 4MiB';
  switch (job) {
    case 'startup':
      return head('startup', 'delay: 1ms, rate: 1gbit', '') + '  - { at: 0, client: connect server:80 }\n  - { at: 10ms, client: send 1 }\n  - { at: 10ms, client: close }\nexpect:\n  delivered: { server: 1 }\n';
    case 'bulk':
    case 'lossy': {
      const bytes = Math.round((job === 'bulk' ? 64 : 16) * 1048576 * scale);
      const link = job === 'bulk' ? 'delay: 5ms, rate: 1gbit' : 'delay: 20ms, rate: 100mbit, loss: 1%';
      return head(`${job}`, link, big) + `  - { at: 0, client: connect server:80 }\n  - { at: 100ms, client: send ${bytes} }\n  - { at: 100ms, client: close }\nexpect:\n  delivered: { server: ${bytes} }\n`;
    }
    case 'flows': {
      const n = Math.max(1, Math.round(1000 * scale));
      const lines: string[] = [];
      for (let i = 1; i <= n; i++) lines.push(`  - { at: 0, client: connect server:80 as f${i} }`);
      for (let i = 1; i <= n; i++) lines.push(`  - { at: 100ms, client: send @f${i} 65536 }`, `  - { at: 100ms, client: close @f${i} }`);
      return head('flows', 'delay: 1ms, rate: 1gbit', '') + lines.join('\n') + `\nexpect:\n  delivered: { server: ${n * 65536} }\n`;
    }
  }
}

/** The ns-3 program, compiled once per version of its source into the temporary folder; or why not. */
export function ns3Program(): { bin: string } | { missing: string; why: Msg } {
  const src = path.join(PACKAGE_ROOT, 'lib/bench/ns3/jobs.cc');
  // Why not, as a message (`missing`: in English).
  const missing = (why: Msg) => ({ missing: word('en', why), why });
  if (!existsSync(src)) return missing({ key: 'bench.ns3.noSource', params: { src } });
  const cflags = spawnSync('pkg-config', ['--cflags', 'ns3-applications', 'ns3-internet', 'ns3-point-to-point'], { encoding: 'utf8' });
  if (cflags.error || cflags.status !== 0) return missing({ key: 'bench.ns3.none' });
  const text = readFileSync(src);
  const dir = path.join(tmpdir(), 'tcpemu-ns3');
  const bin = path.join(dir, `jobs-${createHash('sha1').update(text).update(cflags.stdout).digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return { bin };
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  // Linked by name: pkg-config --libs of Debian's ns-3 also names GSL's libraries, which its -dev packages lack.
  const libs = ['applications', 'internet', 'point-to-point', 'network', 'core'].map((l) => `-lns3-${l}`);
  const cc = spawnSync('g++', ['-O2', '-std=c++17', '-o', tmp, src, ...cflags.stdout.trim().split(/\s+/), ...libs], { encoding: 'utf8', timeout: 300_000 });
  if (cc.error || cc.status !== 0) return missing({ key: 'bench.ns3.build', params: { src, said: (cc.error?.message ?? cc.stderr).split('\n').slice(0, 3).join(' ') } });
  renameSync(tmp, bin);
  return { bin };
}

export interface ChildRun {
  wallMs: number;
  /** Peak resident memory in bytes, when GNU time is there to say. */
  rssBytes: number | undefined;
  ok: boolean;
  out: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs one command as a child, timing it from outside; `%M` of GNU time gives its peak memory. */
export function timeChild(cmd: string, args: string[], timeoutMs = 600_000): ChildRun {
  const withTime = existsSync(GNU_TIME);
  const t0 = process.hrtime.bigint();
  const r = withTime
    ? spawnSync(GNU_TIME, ['-f', 'tcpemu-bench-rss %M', cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 })
    : spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /tcpemu-bench-rss (\d+)/.exec(r.stderr ?? '');
  return { wallMs, rssBytes: m ? Number(m[1]) * 1024 : undefined, ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * The flags Node is started with by the installed command: its first line, `#!/usr/bin/env -S node FLAGS`
 * (the young generation's size, which V8 takes only at start). The bench starts `node` with the same, so
 * that it measures what a user runs.
 */
export function commandNodeFlags(bin = path.join(PACKAGE_ROOT, 'bin/tcpemu.cjs')): string[] {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: +\S+)*) *$/.exec(first);
  if (!m) throw new Error(`${bin}: its first line should start Node (#!/usr/bin/env -S node FLAGS), not ${JSON.stringify(first)}`);
  return m[1].trim().split(/ +/).filter((f) => f !== '');
}

export interface JobResult {
  job: CliJob;
  tcpemu: ChildRun;
  ns3: ChildRun | undefined;
}

/**
 * Every job, `rounds` times, tcpemu and ns-3 taking turns; the best round of each (noise only adds time),
 * with the highest peak memory seen. A failed run (a job whose expectation did not hold) is an error:
 * the times of a wrong run mean nothing.
 */
export function runCliJobs(opts: { scale: number; rounds: number; dir: string; log?: (s: string) => void; ns3?: string; lang?: Lang }): JobResult[] {
  const bin = path.join(PACKAGE_ROOT, 'bin/tcpemu.cjs');
  const flags = commandNodeFlags(bin);
  const out: JobResult[] = [];
  for (const job of CLI_JOBS) {
    const file = path.join(opts.dir, `${job}.yaml`);
    writeFileSync(file, jobScenario(job, opts.scale));
    const ours: ChildRun[] = [];
    const theirs: ChildRun[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      const a = timeChild(process.execPath, [...flags, bin, 'run', file, '--view', 'summary']);
      if (!a.ok) throw new Error(`bench cli: tcpemu run ${job} failed:\n${a.out}`);
      ours.push(a);
      if (opts.ns3) {
        const b = timeChild(opts.ns3, [job, String(job === 'startup' ? 1 : opts.scale)]);
        if (!b.ok) throw new Error(`bench cli: ns-3 ${job} failed:\n${b.out}`);
        theirs.push(b);
      }
    }
    const best = (runs: ChildRun[]): ChildRun => {
      const fastest = runs.reduce((x, y) => (y.wallMs < x.wallMs ? y : x));
      const rss = runs.map((r) => r.rssBytes).filter((x): x is number => x !== undefined);
      return { ...fastest, rssBytes: rss.length ? Math.max(...rss) : undefined };
    };
    out.push({ job, tcpemu: best(ours), ns3: theirs.length ? best(theirs) : undefined });
    opts.log?.(`${msg(opts.lang ?? 'en', 'bench.cliDone', { job: { key: `bench.job.${job}` } })}\n`);
  }
  return out;
}
