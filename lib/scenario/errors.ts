/**
 * A mistake in a scenario file: where it is (1-based line and column), what is wrong, and what would
 * be right. The command line prints `format()` and exits 2; it never shows a stack trace for these.
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly hint?: string;

  constructor(file: string, line: number, col: number, message: string, hint?: string) {
    super(message);
    this.file = file;
    this.line = line;
    this.col = col;
    if (hint !== undefined) this.hint = hint;
  }

  /** `FILE:LINE:COL: message` and, when there is one, an indented hint line (compiler style, so editors can jump to it). */
  format(): string {
    const head = `${this.file}:${this.line}:${this.col}: ${this.message}`;
    return this.hint === undefined ? head : `${head}\n  hint: ${this.hint}`;
  }
}
