/**
 * zod, for lib/scenario/schema.ts, which asks for it only to word a mistake in a scenario file (a file that is
 * right is checked by quick-check.ts). Here it is imported as any module; the bundles of the installed command
 * replace this module by one that requires dist/bin/tcpemu-zod.cjs on that first call (scripts/build.mjs,
 * issue 29: start-up), so a run that is right never loads zod there.
 */
import * as z from 'zod';

export function loadZod(): typeof z {
  return z;
}
