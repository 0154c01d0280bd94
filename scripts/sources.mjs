/**
 * Which sources dist/ was built from. The build writes a digest of every input of the compiler
 * (lib/, bin/tcpemu.ts, the tsconfig files) to dist/.sources.sha1; bin/tcpemu.js, in a checkout of the
 * repository, runs dist/ only when the sources on disk still give that digest, and the TypeScript
 * through tsx otherwise. So an edit, a branch switch or a pull never leaves anyone running a stale build.
 * (An installed package has no sources and runs dist/ alone.) Plain JavaScript: it runs before any build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const STAMP = path.join('dist', '.sources.sha1');

/** Every file the build compiles or copies, relative to `root`, sorted. */
export function sourceFiles(root) {
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('lib');
  for (const f of ['bin/tcpemu.ts', 'tsconfig.json', 'tsconfig.build.json']) if (existsSync(path.join(root, f))) out.push(f);
  return out.sort();
}

/** SHA-1 over the sources' names and contents. */
export function sourcesDigest(root) {
  const h = createHash('sha1');
  for (const f of sourceFiles(root)) {
    h.update(f.split(path.sep).join('/'));
    h.update('\0');
    h.update(readFileSync(path.join(root, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

/** Each source's size and modification time, the quick test before the digest. */
function fileStats(root, files) {
  return files.map((f) => {
    const s = statSync(path.join(root, f));
    return `${f.split(path.sep).join('/')} ${s.size} ${s.mtimeMs}`;
  });
}

/** What the build writes to dist/.sources.sha1: the digest, then every source's name, size and mtime. */
export function stampFor(root) {
  return [sourcesDigest(root), ...fileStats(root, sourceFiles(root))].join('\n') + '\n';
}

/**
 * True when `root`/dist was built from exactly the sources now in `root`. When every file has the
 * size and modification time it had at the build (a few ms of stat calls), it was; when any differs
 * (an edit, a checkout, a new or deleted file, or only a touch), the digest of the contents decides.
 */
export function builtFromThese(root) {
  let stamp;
  try {
    stamp = readFileSync(path.join(root, STAMP), 'utf8').trimEnd().split('\n');
  } catch {
    return false;
  }
  const files = sourceFiles(root);
  const stats = fileStats(root, files);
  if (stats.length === stamp.length - 1 && stats.every((s, i) => s === stamp[i + 1])) return true;
  return stamp[0] === sourcesDigest(root);
}
