import { readFileSync } from 'node:fs';

/** tcpemu's version, from package.json: written into every trace's meta line. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
