/**
 * A mistake in a scenario file: where it is (1-based line and column), what is wrong, and what would
 * be right. The command line prints `format()` and exits 2; it never shows a stack trace for these.
 */
import { msg, word, type Lang, type Msg } from '../i18n/index.ts';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly hint?: string;
  /** The message and hint as catalogue keys and parameters (issue 26), when they have them: worded in any language. */
  text?: Msg;
  hintText?: Msg;
  /** The file's label as a message, when it is more than a name (sweep's `x.yaml (with link.loss=0.1)`): worded in any language. */
  fileText?: Msg;

  constructor(file: string, line: number, col: number, message: string, hint?: string) {
    super(message);
    this.file = file;
    this.line = line;
    this.col = col;
    if (hint !== undefined) this.hint = hint;
  }

  /** A ScenarioError from the catalogue: its English wording as message and hint, the keys for other languages. */
  static worded(file: string, line: number, col: number, text: Msg, hintText?: Msg): ScenarioError {
    const e = new ScenarioError(file, line, col, word('en', text), hintText && word('en', hintText));
    e.text = text;
    if (hintText !== undefined) e.hintText = hintText;
    return e;
  }

  /** `FILE:LINE:COL: message` and, when there is one, an indented hint line (compiler style, so editors can jump to it). */
  format(lang: Lang = 'en'): string {
    if (lang !== 'en' && this.text !== undefined) return formatAt(lang, this, this.text, this.hintText);
    const head = `${this.file}:${this.line}:${this.col}: ${this.message}`;
    return this.hint === undefined ? head : `${head}\n  hint: ${this.hint}`;
  }
}

/** `FILE:LINE:COL: message` and its hint line, worded in `lang` (a hint without a key keeps its own words). */
export function formatAt(lang: Lang, e: { file: string; line: number; col: number; hint?: string; fileText?: Msg }, text: Msg, hintText?: Msg): string {
  const head = msg(lang, 'error.at', { file: e.fileText ?? e.file, line: e.line, col: e.col, message: text });
  if (hintText === undefined && !e.hint) return head;
  return `${head}\n${msg(lang, 'error.hint', { hint: hintText ?? e.hint! })}`;
}
