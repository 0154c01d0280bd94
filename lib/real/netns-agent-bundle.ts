/**
 * How an agent (lib/real/netns-agent.ts) is started. Compiled (dist/, an installed package): plain Node
 * on dist/lib/real/netns-agent.js. From the sources (a checkout, the tests): Node through tsx takes
 * 1.5-5 s to start on a busy machine, once per host and run, most of a short fixture's time; so the
 * agent's sources are bundled once per process with esbuild (a dev dependency) into a temporary file,
 * (CommonJS: the npm packages it holds use require) and each agent starts from that in about 0.5 s. The bundle is the same code as the sources: it is
 * made from them when first needed, and removed when this process exits (or, if it was killed, by the
 * next process that makes one). Without esbuild, tsx.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FROM_SOURCE, PACKAGE_ROOT, moduleFile } from '../paths.ts';
import { nodeWithTsx } from './tun.ts';
import { alive } from './kernel.ts';

let made: Promise<string[]> | undefined;
const PREFIX = 'tcpemu-agent-';

/** Bundles left by a process killed before its exit handler ran (a test runner's SIGTERM): removed when their process is gone. */
function reapBundles(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^tcpemu-agent-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** The command line that starts an agent (node and its file). */
export function agentCommand(dir: string): Promise<string[]> {
  const source = moduleFile(dir, 'netns-agent');
  if (!FROM_SOURCE) return Promise.resolve([process.execPath, source]);
  made ??= bundle(source).catch(() => [...nodeWithTsx(), source]);
  return made;
}

async function bundle(source: string): Promise<string[]> {
  if (process.env.TCPEMU_AGENT_TSX) throw new Error('asked for tsx');
  const esbuild = await import('esbuild');
  reapBundles();
  const out = mkdtempSync(path.join(tmpdir(), `${PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  const file = path.join(out, 'netns-agent.cjs');
  await esbuild.build({
    entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', outfile: file, logLevel: 'silent',
    // lib/paths.ts finds the package from its own URL: the bundle keeps the one it has in the sources.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(path.join(PACKAGE_ROOT, 'lib/paths.ts')).href) },
  });
  return [process.execPath, file];
}
