/**
 * Re-makes the kernel captures in fixtures/captures/: each scenario below runs on the kernel's TCP
 * (lib/real/kernel.ts: loopback, tcpdump on lo) and the capture is written as NAME.pcap.
 * Run as root with tcpdump installed:  npx tsx lib/real/capture-fixtures.ts [NAME...]
 * The captures differ from run to run (ports, ISNs, timestamps, timing); what they show does not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../scenario/load.ts';
import { runOnKernel, kernelUnavailableReason } from './kernel.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Capture name -> scenario file (relative to the repository). */
export const CAPTURE_FIXTURES: Record<string, string> = {
  'handshake': 'fixtures/scenarios/handshake.yaml',
  'request-response': 'fixtures/scenarios/request-response.yaml',
  'half-close-client': 'fixtures/scenarios/half-close-client.yaml',
  'half-close-server': 'fixtures/scenarios/half-close-server.yaml',
  'connection-refused': 'fixtures/scenarios/connection-refused.yaml',
  'abort-reset': 'fixtures/scenarios/abort-reset.yaml',
  'window-full': 'fixtures/captures/window-full.yaml',
};

async function main(names: string[]): Promise<number> {
  const reason = kernelUnavailableReason();
  if (reason) {
    process.stderr.write(`capture-fixtures: ${reason}\n`);
    return 2;
  }
  const chosen = names.length ? names : Object.keys(CAPTURE_FIXTURES);
  for (const name of chosen) {
    const rel = CAPTURE_FIXTURES[name];
    if (!rel) {
      process.stderr.write(`capture-fixtures: no fixture named '${name}'; there are ${Object.keys(CAPTURE_FIXTURES).join(', ')}\n`);
      return 2;
    }
    const file = path.join(ROOT, rel);
    const plan = loadScenario(readFileSync(file, 'utf8'), rel);
    const r = await runOnKernel(plan, { settleMs: 300 });
    if (r.captureDropped > 0) {
      process.stderr.write(`${name}: tcpdump dropped ${r.captureDropped} packets; not written, run again\n`);
      return 1;
    }
    const out = path.join(ROOT, 'fixtures/captures', `${name}.pcap`);
    writeFileSync(out, r.capture);
    process.stdout.write(`${name}: ${r.segments.length} packets -> ${path.relative(ROOT, out)}\n`);
  }
  return 0;
}

if (process.argv[1] && /capture-fixtures\.ts$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
