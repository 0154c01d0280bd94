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

/** Length as the terminal shows it, in columns: escape codes take none, wide characters two (displayWidth). */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return displayWidth(text.replace(/\x1b\[[0-9;]*m/g, ''));
}

/**
 * Terminal columns a text takes: two for East Asian wide and fullwidth characters (CJK ideographs, kana,
 * Hangul, fullwidth forms; Unicode's East_Asian_Width W and F, in their main blocks), one for the rest.
 * Host and connection names may be written in any script (客户端), so every view pads by this.
 */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += WIDE.test(ch) ? 2 : 1;
  return w;
}
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;

/** `text` padded with spaces to `width` terminal columns, on the right (`end`) or the left (`start`). */
export function padColumns(text: string, width: number, side: 'start' | 'end'): string {
  const pad = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return side === 'end' ? text + pad : pad + text;
}
