import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the package is, whether this module runs as TypeScript from the repository (lib/paths.ts,
 * through tsx) or compiled (dist/lib/paths.js in a build or an installed package): files that ship
 * beside the code (package.json, fixtures/, a helper's sibling module) are found from here.
 */

/** True when running the TypeScript sources (tsx), false when running the compiled dist/. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The package's root folder (the one holding package.json). */
export const PACKAGE_ROOT = path.resolve(HERE, FROM_SOURCE ? '..' : '../..');

/** A module's file name as it exists beside the running code: `name.ts` from source, `name.js` compiled. */
export function moduleFile(dir: string, name: string): string {
  return path.join(dir, `${name}${FROM_SOURCE ? '.ts' : '.js'}`);
}
