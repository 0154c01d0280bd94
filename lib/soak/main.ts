/**
 * `npm run soak [-- --minutes M --connections N --loss P --rate BYTES_PER_SEC --seed N]`: see soak.ts.
 * Exit 0 when every byte arrived once and in order and the heap and handles stayed within their bounds,
 * 1 otherwise, 2 for bad arguments.
 */
import { parseArgs } from 'node:util';
import { defaultSoakOptions, runSoak, type SoakOptions } from './soak.ts';

function number(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`soak: --${name} takes a number from ${min} to ${max}, not '${v}'\n`);
    process.exit(2);
  }
  return n;
}

let args;
try {
  args = parseArgs({ options: { minutes: { type: 'string' }, connections: { type: 'string' }, loss: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' } } }).values;
} catch (err) {
  process.stderr.write(`soak: ${(err as Error).message}\nusage: npm run soak -- [--minutes M] [--connections N] [--loss P] [--rate BYTES_PER_SEC] [--seed N]\n`);
  process.exit(2);
}
const minutes = number(args.minutes, 'minutes', 0.05, 24 * 60) ?? defaultSoakOptions.durationMs / 60_000;
const opts: Partial<SoakOptions> = {
  durationMs: minutes * 60_000,
  connections: number(args.connections, 'connections', 1, 10_000),
  loss: number(args.loss, 'loss', 0, 0.5),
  rateBytesPerSec: number(args.rate, 'rate', 1, 100_000_000),
  seed: number(args.seed, 'seed', 0, 0xffffffff),
  // Short runs sample more often, so there is a warm sample to compare the end with.
  sampleMs: Math.min(defaultSoakOptions.sampleMs, (minutes * 60_000) / 4),
};
for (const k of Object.keys(opts) as (keyof SoakOptions)[]) if (opts[k] === undefined) delete opts[k];
const o = { ...defaultSoakOptions, ...opts };
process.stdout.write(`soak: ${o.connections} connections over the UDP link on loopback, ${o.loss * 100}% loss each way, ${o.rateBytesPerSec} bytes/s each way per connection, each living ${o.lifeMs[0] / 1000}-${o.lifeMs[1] / 1000} s, for ${minutes} min; bounds: heap +${o.heapBoundBytes / 1024 / 1024} MiB and handles +${o.handleBound} or +50% from the first sample to the end, none left after closing\n`);
const report = await runSoak(opts, (line) => process.stdout.write(line + '\n'));
process.stdout.write(`${report.closed} connections completed (the slowest close took ${(report.slowestCloseMs / 1000).toFixed(1)} s from shutdown); ${report.bytesClientToServer} bytes client to server, ${report.bytesServerToClient} server to client; packets lost on the link: ${report.lost[0]} and ${report.lost[1]}\n`);
if (report.ok) process.stdout.write('OK: every byte delivered once and in order; heap and handles within bounds\n');
else process.stdout.write(`FAIL:\n${report.problems.slice(0, 20).map((p) => `  ${p}`).join('\n')}\n`);
process.exitCode = report.ok ? 0 : 1;
