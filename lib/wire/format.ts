/**
 * tcpdump's notation for flags and options, as used in scenario expectations and trace events
 * (the segment lines of docs/scenario-format.md and the trace `flags` / `options` fields of docs/trace-format.md).
 */
import { WireError } from './errors.ts';
import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG, type TcpOption } from './tcp-types.ts';

/** tcpdump's letters in tcpdump's order (print-tcp.c: F S R P . U E W). */
const FLAG_LETTERS: ReadonlyArray<readonly [number, string]> = [
  [FIN, 'F'],
  [SYN, 'S'],
  [RST, 'R'],
  [PSH, 'P'],
  [ACK, '.'],
  [URG, 'U'],
  [ECE, 'E'],
  [CWR, 'W'],
];

/** SYN|ACK -> "S.", FIN|PSH|ACK -> "FP.", ACK -> ".", 0 -> "none". */
export function flagString(flags: number): string {
  let s = '';
  for (const [bit, letter] of FLAG_LETTERS) if ((flags & bit) !== 0) s += letter;
  return s === '' ? 'none' : s;
}

/** The inverse of flagString. Letters may come in any order; each at most once. */
export function parseFlagString(text: string): number {
  if (text === 'none') return 0;
  if (text === '') throw new WireError('bad-flags', 0, 'empty flag string', { hint: 'use letters F S R P . U E W, or "none"' });
  let flags = 0;
  for (let i = 0; i < text.length; i++) {
    const entry = FLAG_LETTERS.find(([, letter]) => letter === text[i]);
    if (entry === undefined) {
      throw new WireError('bad-flags', i, `unknown flag letter "${text[i]}" in "${text}"`, { hint: 'use letters F S R P . U E W (. is ACK), or "none"' });
    }
    if ((flags & entry[0]) !== 0) throw new WireError('bad-flags', i, `flag "${text[i]}" appears twice in "${text}"`);
    flags |= entry[0];
  }
  return flags;
}

export interface OptionStringOptions {
  /**
   * Subtracted (modulo 2^32) from SACK block edges, to print them relative to an initial sequence
   * number as tcpdump does without -S. Default 0: absolute.
   */
  sackBase?: number;
}

/**
 * One tcpdump-style string per option: "mss 1460", "nop", "eol", "wscale 7", "sackOK",
 * "TS val 123 ecr 0", "sack 2 {100:200}{300:400}", and for other kinds "unknown-30 len 4" where
 * len is the option's length byte (kind and length bytes included).
 */
export function optionStrings(options: readonly TcpOption[], opts: OptionStringOptions = {}): string[] {
  const base = opts.sackBase ?? 0;
  return options.map((opt) => {
    switch (opt.kind) {
      case 'eol':
        return 'eol';
      case 'nop':
        return 'nop';
      case 'mss':
        return `mss ${opt.mss}`;
      case 'wscale':
        return `wscale ${opt.shift}`;
      case 'sack-permitted':
        return 'sackOK';
      case 'timestamps':
        return `TS val ${opt.tsval} ecr ${opt.tsecr}`;
      case 'sack':
        return `sack ${opt.blocks.length} ${opt.blocks.map(([l, r]) => `{${(l - base) >>> 0}:${(r - base) >>> 0}}`).join('')}`;
      // tcpdump's words: `tfo cookiereq`, `tfo cookie HEX`, with `exp-` for the experimental kind.
      case 'fastopen':
        return `${opt.experimental ? 'exp-' : ''}tfo ${opt.cookie.length === 0 ? 'cookiereq' : `cookie ${opt.cookie.toString('hex')}`}`;
      case 'unknown':
        return `unknown-${opt.type} len ${opt.data.length + 2}`;
    }
  });
}
