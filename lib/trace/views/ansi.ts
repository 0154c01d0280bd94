/** ANSI SGR colours for the terminal views; every view takes `color` and paints only when it is true. */

const CODES = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
  boldRed: '1;31',
} as const;

export type Style = keyof typeof CODES | null;

/** `text` wrapped in the style's escape codes when `color` is on; the text itself is never changed. */
export function paint(text: string, style: Style, color: boolean): string {
  if (!color || style === null || text === '') return text;
  return `\x1b[${CODES[style]}m${text}\x1b[0m`;
}

/** Length as the terminal shows it, ignoring escape codes (all glyphs the views use are one cell wide). */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}
