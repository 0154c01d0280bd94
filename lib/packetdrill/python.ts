/**
 * The part of Python that packetdrill's `%{ }%` blocks use to check TCP_INFO: assignments (`cwnd = 10`,
 * `cwnd += 1`), `assert EXPR[, message]`, `print(...)` (ignored), comments, `;` and `\` line joins, and
 * expressions of numbers, names, + - * / // %, comparisons (chained, as Python's), and / or / not and
 * parentheses. Anything else in a block is kept as the construct it is, and the runner reports the
 * script as UNSUPPORTED naming it, never as a pass.
 */
import type { Pos } from './parse.ts';

export type PyExpr =
  | { kind: 'num'; value: number }
  | { kind: 'str' }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; op: '-' | 'not'; arg: PyExpr }
  | { kind: 'bin'; op: string; left: PyExpr; right: PyExpr }
  | { kind: 'cmp'; ops: string[]; args: PyExpr[] };

export type PyStmt =
  | { kind: 'assert'; expr: PyExpr; text: string; line: number }
  | { kind: 'assign'; name: string; op: '=' | '+=' | '-='; expr: PyExpr; line: number }
  | { kind: 'print'; line: number }
  | { kind: 'unsupported'; text: string; line: number };

export interface CodeBlock {
  text: string;
  statements: PyStmt[];
}

/** Statements of a block; `at` is where its text starts in the script. */
export function parseCode(text: string, at: Pos): CodeBlock {
  const statements: PyStmt[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, k) => {
    const line = at.line + k;
    for (const part of splitStatements(stripComment(raw))) {
      const s = part.trim();
      if (!s) continue;
      statements.push(parseStatement(s, line));
    }
  });
  return { text, statements };
}

function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#') return s.slice(0, i);
  }
  return s;
}

function splitStatements(s: string): string[] {
  const out: string[] = [];
  let q: string | undefined;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === ';') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function parseStatement(s: string, line: number): PyStmt {
  try {
    if (/^print\s*\(/.test(s)) return { kind: 'print', line };
    const a = /^assert\s+(.*)$/.exec(s);
    if (a) {
      const toks = tokenize(a[1]);
      const p = new ExprParser(toks);
      const expr = p.expr();
      // `, message`: evaluated by Python only when the assertion fails; not compared here.
      if (!p.done() && p.peek() !== ',') throw new Error(`'${p.peek()}'`);
      return { kind: 'assert', expr, text: `assert ${a[1].split(/,(?![^(]*\))/)[0].trim()}`, line };
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(\+=|-=|=)(?!=)\s*(.*)$/.exec(s);
    if (m) {
      const p = new ExprParser(tokenize(m[3]));
      const expr = p.expr();
      if (!p.done()) throw new Error(`'${p.peek()}'`);
      return { kind: 'assign', name: m[1], op: m[2] as '=' | '+=' | '-=', expr, line };
    }
  } catch {
    // fall through: kept as unsupported
  }
  return { kind: 'unsupported', text: s, line };
}

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(0x[0-9a-fA-F]+|\d+\.\d*|\d*\.\d+|\d+|[A-Za-z_][A-Za-z0-9_]*|'[^']*'|"[^"]*"|==|!=|<=|>=|\/\/|[-+*/%()<>,&|])/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) throw new Error(`cannot read '${s.slice(i).trim()}'`);
    out.push(m[1]);
    i = re.lastIndex;
  }
  return out;
}

const CMP = ['==', '!=', '<', '<=', '>', '>='];

class ExprParser {
  private i = 0;
  constructor(private readonly t: string[]) {}
  peek(): string | undefined {
    return this.t[this.i];
  }
  done(): boolean {
    return this.i >= this.t.length;
  }
  private next(): string {
    const v = this.t[this.i++];
    if (v === undefined) throw new Error('the end of the expression');
    return v;
  }
  expr(): PyExpr {
    let left = this.and();
    while (this.peek() === 'or') {
      this.i++;
      left = { kind: 'bin', op: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): PyExpr {
    let left = this.not();
    while (this.peek() === 'and') {
      this.i++;
      left = { kind: 'bin', op: 'and', left, right: this.not() };
    }
    return left;
  }
  private not(): PyExpr {
    if (this.peek() === 'not') {
      this.i++;
      return { kind: 'unary', op: 'not', arg: this.not() };
    }
    return this.cmp();
  }
  private cmp(): PyExpr {
    const first = this.bits();
    const ops: string[] = [];
    const args = [first];
    while (CMP.includes(this.peek() ?? '')) {
      ops.push(this.next());
      args.push(this.bits());
    }
    return ops.length === 0 ? first : { kind: 'cmp', ops, args };
  }
  private bits(): PyExpr {
    let left = this.sum();
    while (this.peek() === '&' || this.peek() === '|') {
      const op = this.next();
      left = { kind: 'bin', op, left, right: this.sum() };
    }
    return left;
  }
  private sum(): PyExpr {
    let left = this.product();
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.next();
      left = { kind: 'bin', op, left, right: this.product() };
    }
    return left;
  }
  private product(): PyExpr {
    let left = this.unary();
    while (['*', '/', '//', '%'].includes(this.peek() ?? '')) {
      const op = this.next();
      left = { kind: 'bin', op, left, right: this.unary() };
    }
    return left;
  }
  private unary(): PyExpr {
    if (this.peek() === '-') {
      this.i++;
      return { kind: 'unary', op: '-', arg: this.unary() };
    }
    return this.atom();
  }
  private atom(): PyExpr {
    const v = this.next();
    if (v === '(') {
      const e = this.expr();
      if (this.next() !== ')') throw new Error(')');
      return e;
    }
    if (/^[\d.]/.test(v)) return { kind: 'num', value: Number(v) };
    if (/^['"]/.test(v)) return { kind: 'str' };
    if (/^[A-Za-z_]/.test(v) && !['and', 'or', 'not'].includes(v)) {
      if (this.peek() === '(') throw new Error(`a call of ${v}()`);
      return { kind: 'name', name: v };
    }
    throw new Error(`'${v}'`);
  }
}

/** A name the evaluation needs and does not have (a tcpi_ field the model does not keep). */
export class UnknownName extends Error {
  constructor(readonly varName: string) {
    super(varName);
  }
}

export function evalPy(e: PyExpr, env: ReadonlyMap<string, number>): number {
  switch (e.kind) {
    case 'num': return e.value;
    case 'str': return 1;
    case 'name': {
      const v = env.get(e.name);
      if (v === undefined) throw new UnknownName(e.name);
      return v;
    }
    case 'unary': return e.op === '-' ? -evalPy(e.arg, env) : evalPy(e.arg, env) ? 0 : 1;
    case 'cmp': {
      let left = evalPy(e.args[0], env);
      for (let k = 0; k < e.ops.length; k++) {
        const right = evalPy(e.args[k + 1], env);
        const ok = e.ops[k] === '==' ? left === right : e.ops[k] === '!=' ? left !== right : e.ops[k] === '<' ? left < right : e.ops[k] === '<=' ? left <= right : e.ops[k] === '>' ? left > right : left >= right;
        if (!ok) return 0;
        left = right;
      }
      return 1;
    }
    case 'bin': {
      if (e.op === 'and') return evalPy(e.left, env) ? evalPy(e.right, env) : 0;
      if (e.op === 'or') return evalPy(e.left, env) || evalPy(e.right, env);
      const a = evalPy(e.left, env);
      const b = evalPy(e.right, env);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '//': return Math.floor(a / b);
        case '&': return Number(BigInt(a) & BigInt(b));
        case '|': return Number(BigInt(a) | BigInt(b));
        default: return a % b;
      }
    }
  }
}

/** The names an expression reads. */
export function namesOf(e: PyExpr, out: Set<string> = new Set()): Set<string> {
  if (e.kind === 'name') out.add(e.name);
  else if (e.kind === 'unary') namesOf(e.arg, out);
  else if (e.kind === 'bin') {
    namesOf(e.left, out);
    namesOf(e.right, out);
  } else if (e.kind === 'cmp') for (const a of e.args) namesOf(a, out);
  return out;
}
