/**
 * A reader for packetdrill scripts (the language of Google's packetdrill, as its lexer.l and parser.y
 * define it; see docs/packetdrill.md). It reads the whole script into events with their line and column,
 * and checks what can be checked before a run: times, flags, sequence ranges, option names, the shape of
 * system calls. A mistake is a ScenarioError (FILE:LINE:COL, what is wrong, a hint; exit 2), as for
 * scenarios. What it reads but tcpemu cannot run (a Python construct beyond assertions, an unknown shell
 * command, a TFO option) is kept as it is, and the runner reports it as UNSUPPORTED.
 */
import { ScenarioError } from '../scenario/errors.ts';
import type { MessageKey, Msg } from '../i18n/index.ts';
import { nearest } from '../scenario/source.ts';
import { parseCode, type CodeBlock } from './python.ts';

/** Where something starts in the script (1-based). */
export interface Pos {
  line: number;
  col: number;
}

/**
 * An event's time, in seconds as written. `abs`: from the script's start; `rel` (`+x`): from the end of
 * the previous event; `any` (`*`): any time (outbound packets only). `endKind`/`end`: a window `a~b`
 * (outbound packets) or a blocking system call's return `a...b`.
 */
export interface TimeSpec {
  kind: 'abs' | 'rel' | 'any';
  start: number;
  /** `~`: the event may happen anywhere from start to end. */
  window?: { kind: 'abs' | 'rel'; end: number };
  /** `...`: a system call that blocks from start until end. */
  blocking?: { kind: 'abs' | 'rel'; end: number };
}

export type PdOption =
  | { kind: 'mss'; mss: number }
  | { kind: 'sackOK' }
  | { kind: 'TS'; val: number; ecr: number }
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  /**
   * TCP Fast Open (RFC 7413): `FO` (kind 34) or `FOEXP` (kind 254, magic 0xF989), with the cookie in hex, empty
   * for a cookie request, or a name given with -D (`TFO_COOKIE`) that the runner resolves.
   */
  | { kind: 'FO'; experimental: boolean; cookie: string }
  /** Parsed but not emulated: MD5, other experimental options. */
  | { kind: 'other'; name: string };

export interface PacketEvent {
  type: 'packet';
  pos: Pos;
  time: TimeSpec;
  dir: '<' | '>';
  /** The flags as written (`S.`, `FP.`, `-` for none). */
  flags: string;
  start: number;
  end: number;
  len: number;
  ack?: number;
  win?: number;
  urg?: number;
  /** undefined: no options (outbound: the segment must carry none); 'any': `<...>`. */
  options?: PdOption[] | 'any';
  /** IP-level information (`[ect0]`, `(tos 0x10)`), which tcpemu does not emulate. */
  ipInfo?: string;
}

/** An argument of a system call, or a value inside one. */
export type Expr =
  | { kind: 'ellipsis'; pos: Pos }
  | { kind: 'num'; value: number; pos: Pos }
  | { kind: 'str'; value: string; pos: Pos }
  | { kind: 'sym'; name: string; pos: Pos }
  | { kind: 'or'; items: Expr[]; pos: Pos }
  | { kind: 'list'; items: Expr[]; pos: Pos }
  | { kind: 'struct'; fields: Expr[]; pos: Pos }
  | { kind: 'call'; name: string; args: Expr[]; pos: Pos }
  /** `name=value` or `name(arg)=value` inside a struct. */
  | { kind: 'field'; name: string; arg?: Expr; value: Expr; pos: Pos };

export interface SyscallEvent {
  type: 'syscall';
  pos: Pos;
  time: TimeSpec;
  name: string;
  args: Expr[];
  /** The expected return value; undefined for `= ...` (not checked). */
  result: number | undefined;
  errno?: string;
}

export interface ShellEvent {
  type: 'shell';
  pos: Pos;
  /** undefined for an untimed command: the init command (first) or a cleanup command (last). */
  time: TimeSpec | undefined;
  command: string;
}

export interface CodeEvent {
  type: 'code';
  pos: Pos;
  time: TimeSpec;
  code: CodeBlock;
}

export type PdEvent = PacketEvent | SyscallEvent | ShellEvent | CodeEvent;

export interface Script {
  file: string;
  /** `--name=value` lines written into the script. */
  options: Record<string, { value: string; pos: Pos }>;
  events: PdEvent[];
}

const FLAG_LETTERS = '.FSRPEWAU01234567';
const OPTION_NAMES = ['mss', 'sackOK', 'TS', 'nop', 'eol', 'wscale', 'sack', 'FO', 'FOEXP', 'md5', 'exp', 'mptcp', 'tarr'];
const PACKET_WORDS = ['ack', 'win', 'urg'];
/** The system calls packetdrill has (run_system_call.c); the runner says which the model runs. */
const SYSTEM_CALLS = ['socket', 'bind', 'listen', 'accept', 'connect', 'read', 'readv', 'recv', 'recvfrom', 'recvmsg', 'write', 'writev', 'send', 'sendto', 'sendmsg',
  'fcntl', 'ioctl', 'close', 'shutdown', 'getsockopt', 'setsockopt', 'poll', 'cap_set', 'open', 'sendfile', 'epoll_create', 'epoll_ctl', 'epoll_wait', 'pipe', 'splice',
  'psp_rx_assoc', 'psp_tx_assoc'];
/** The `--name=value` options packetdrill scripts may carry (config.c); the runner says which it honours. */
export const SCRIPT_OPTIONS = [
  'tolerance_usecs', 'tolerance_percent', 'tcp_ts_tick_usecs', 'strict_segments', 'mtu', 'wire_server_ip',
  'local_ip', 'remote_ip', 'gateway_ip', 'netmask_ip', 'ip_version', 'bind_port', 'connect_port', 'speed',
  'non_fatal', 'dry_run', 'verbose', 'init_scripts', 'mss', 'so_filename', 'send_omit_free', 'define',
];

/** Reads a script; throws ScenarioError at the first mistake. */
export function parseScript(text: string, file: string): Script {
  return new Parser(text, file).script();
}

class Parser {
  private i = 0;
  private line = 1;
  private col = 1;
  /** Nesting of (), [], {}: inside them a newline does not end the event. */
  private depth = 0;

  constructor(private readonly s: string, private readonly file: string) {}

  private get pos(): Pos {
    return { line: this.line, col: this.col };
  }

  /** A mistake at `at`: its message and hint from the catalogue (issue 26), English word for word as packetdrill users read it. */
  private fail(text: Msg, hint?: Hint, at: Pos = this.pos): never {
    throw ScenarioError.worded(this.file, at.line, at.col, text, hint === undefined ? undefined : hintMsg(hint));
  }

  /** What was found here, for `expected X but found Y`: the word in quotes, or the end of the file. */
  private found(): string | Msg {
    return this.eof() ? { key: 'pd.p.eof' } : `'${this.word()}'`;
  }

  private peek(n = 0): string {
    return this.s[this.i + n] ?? '';
  }

  private eof(): boolean {
    return this.i >= this.s.length;
  }

  private advance(n = 1): void {
    for (let k = 0; k < n && this.i < this.s.length; k++) {
      if (this.s[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  private startsWith(t: string): boolean {
    return this.s.startsWith(t, this.i);
  }

  /** Skip blanks and comments; newlines too when `newlines` (or inside brackets). */
  private skip(newlines = this.depth > 0): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (c === '\n' && newlines) this.advance();
      else if (c === '\\' && this.peek(1) === '\n') this.advance(2);
      else if (this.startsWith('//')) {
        while (!this.eof() && this.peek() !== '\n') this.advance();
      } else if (this.startsWith('/*')) {
        const at = this.pos;
        const end = this.s.indexOf('*/', this.i + 2);
        if (end < 0) this.fail({ key: 'pd.p.commentOpen' }, { key: 'pd.p.commentOpen.hint' }, at);
        this.advance(end + 2 - this.i);
      } else return;
    }
  }

  /** The end of an event: only blanks and a comment may follow on its line. */
  private endOfEvent(what: Msg): void {
    this.skip(false);
    if (this.eof() || this.peek() === '\n') return;
    this.fail({ key: 'pd.p.after', params: { word: this.word(), what } }, { key: 'pd.p.after.hint' });
  }

  /** The run of non-blank characters here (for messages). */
  private word(): string {
    const m = /^[^\s]+/.exec(this.s.slice(this.i, this.i + 40));
    return m ? m[0] : this.peek();
  }

  private expect(t: string, hint: Hint): void {
    this.skip();
    if (!this.startsWith(t)) this.fail({ key: 'pd.p.expected', params: { t, found: this.found() } }, hint);
    this.advance(t.length);
  }

  private ident(): string | undefined {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i, this.i + 200));
    if (!m) return undefined;
    this.advance(m[0].length);
    return m[0];
  }

  /** A number as packetdrill writes them: decimal, `.5`, `1.25`, hex `0x10`; negative with a leading '-'. */
  private number(what: Msg, hint: Hint): number {
    this.skip();
    const m = /^-?(0x[0-9a-fA-F]+|\d+\.\d+|\d+|\.\d+)/.exec(this.s.slice(this.i, this.i + 60));
    if (!m) this.fail({ key: 'pd.p.expectedWhat', params: { what, found: this.found() } }, hint);
    this.advance(m[0].length);
    return Number(m[0]);
  }

  private integer(what: Msg, hint: Hint, max = 0xffffffff): number {
    const at = this.pos;
    const v = this.number(what, hint);
    if (!Number.isInteger(v) || v < 0 || v > max) this.fail({ key: 'pd.p.range', params: { what, max, v } }, hint, at);
    return v;
  }

  script(): Script {
    const script: Script = { file: this.file, options: {}, events: [] };
    for (;;) {
      this.skip(true);
      if (this.eof()) return script;
      const at = this.pos;
      if (this.startsWith('--')) {
        // A name may be missing (`--=1`): then the mistake is the line's form, not a crash.
        const m = /^--([A-Za-z0-9_]*)(?:=(\S*))?/.exec(this.s.slice(this.i, this.i + 300))!;
        this.advance(m[0].length);
        if (!m[1]) this.fail({ key: 'pd.p.optionLine' }, { key: 'pd.p.example', params: { text: '--tolerance_usecs=10000' } }, at);
        if (!SCRIPT_OPTIONS.includes(m[1])) this.fail({ key: 'pd.p.unknownOption', params: { name: m[1] } }, hintFor(m[1], SCRIPT_OPTIONS, 'pd.p.k.options', '--'), at);
        script.options[m[1]] = { value: m[2] ?? '', pos: at };
        this.endOfEvent({ key: 'pd.p.w.option' });
        continue;
      }
      if (this.peek() === '`') {
        // Untimed: the init command (before the clock starts) or a cleanup command (after the last event).
        script.events.push({ type: 'shell', pos: at, time: undefined, command: this.backquoted() });
        this.endOfEvent({ key: 'pd.p.w.shell' });
        continue;
      }
      script.events.push(this.event());
    }
  }

  private backquoted(): string {
    const at = this.pos;
    this.advance();
    const end = this.s.indexOf('`', this.i);
    if (end < 0) this.fail({ key: 'pd.p.shellOpen' }, { key: 'pd.p.shellOpen.hint' }, at);
    const text = this.s.slice(this.i, end);
    this.advance(end + 1 - this.i);
    return text;
  }

  private timeValue(): { kind: 'abs' | 'rel'; value: number } {
    const rel = this.peek() === '+';
    if (rel) this.advance();
    const m = /^(\d+\.\d+|\d+|\.\d+)/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) this.fail({ key: 'pd.p.time', params: { word: this.word() } }, { key: 'pd.p.time.hint' });
    this.advance(m[0].length);
    return { kind: rel ? 'rel' : 'abs', value: Number(m[0]) };
  }

  private time(): TimeSpec {
    if (this.peek() === '*') {
      this.advance();
      return { kind: 'any', start: 0 };
    }
    const first = this.timeValue();
    const out: TimeSpec = { kind: first.kind, start: first.value };
    if (this.peek() === '~') {
      this.advance();
      const end = this.timeValue();
      if (end.kind === 'abs' && first.kind === 'abs' && end.value < first.value) this.fail({ key: 'pd.p.window', params: { a: first.value, b: end.value } }, { key: 'pd.p.window.hint' });
      out.window = { kind: end.kind, end: end.value };
    } else if (this.startsWith('...')) {
      this.advance(3);
      const end = this.timeValue();
      // packetdrill: the end of `+a...b` counts from the same base as its start.
      out.blocking = { kind: first.kind === 'rel' ? 'rel' : end.kind, end: end.value };
    }
    return out;
  }

  private event(): PdEvent {
    const at = this.pos;
    const c = this.peek();
    if (!(c === '*' || c === '+' || c === '.' || /\d/.test(c))) {
      const w = this.word();
      const hint: Msg = { key: /^[<>]$/.test(w) || /^[A-Za-z_]+\(/.test(w) ? 'pd.p.eventTime.hint' : 'pd.p.event.hint' };
      this.fail({ key: 'pd.p.eventTime', params: { word: w } }, hint);
    }
    const time = this.time();
    this.skip(false);
    const bodyAt = this.pos;
    let ev: PdEvent;
    if (this.peek() === '<' || this.peek() === '>') ev = this.packet(at, time);
    else if (this.peek() === '`') {
      ev = { type: 'shell', pos: at, time, command: this.backquoted() };
      this.endOfEvent({ key: 'pd.p.w.shell' });
    } else if (this.startsWith('%{')) ev = this.code(at, time);
    else if (/[A-Za-z_]/.test(this.peek())) ev = this.syscall(at, time);
    else if (this.eof() || this.peek() === '\n') this.fail({ key: 'pd.p.nothingAfter' }, { key: 'pd.p.nothingAfter.hint' });
    else this.fail({ key: 'pd.p.what', params: { word: this.word() } }, { key: 'pd.p.what.hint' });
    if (time.kind === 'any' && !(ev.type === 'packet' && ev.dir === '>')) this.fail({ key: 'pd.p.anyTime' }, { key: 'pd.p.anyTime.hint' }, at);
    if (time.window && !(ev.type === 'packet' && ev.dir === '>')) this.fail({ key: 'pd.p.windowOnly' }, { key: 'pd.p.oneTime' }, at);
    if (time.blocking && ev.type !== 'syscall') this.fail({ key: 'pd.p.blocking' }, { key: 'pd.p.oneTime' }, bodyAt);
    return ev;
  }

  private packet(at: Pos, time: TimeSpec): PacketEvent {
    const dir = this.peek() as '<' | '>';
    this.advance();
    this.skip(false);
    let ipInfo: string | undefined;
    if (this.peek() === '[' || this.peek() === '(') {
      const close = this.peek() === '[' ? ']' : ')';
      const end = this.s.indexOf(close, this.i);
      if (end < 0) this.fail({ key: 'pd.p.ipInfo', params: { close } }, { key: 'pd.p.example', params: { text: '[ect0]' } });
      ipInfo = this.s.slice(this.i, end + 1);
      this.advance(end + 1 - this.i);
      this.skip(false);
    }
    const flagsAt = this.pos;
    const fm = /^[^\s]+/.exec(this.s.slice(this.i, this.i + 20));
    if (!fm) this.fail({ key: 'pd.p.flags' }, { key: 'pd.p.flags.hint' });
    const flags = fm[0];
    if (flags !== '-') {
      for (let k = 0; k < flags.length; k++) {
        if (!FLAG_LETTERS.includes(flags[k])) {
          this.fail({ key: 'pd.p.notFlag', params: { c: flags[k]!, flags } }, { key: 'pd.p.flags.hint' }, { line: flagsAt.line, col: flagsAt.col + k });
        }
      }
    }
    this.advance(flags.length);
    const rangeHint: Msg = { key: 'pd.p.range.hint' };
    const start = this.integer({ key: 'pd.p.w.seqStart' }, rangeHint);
    this.expect(':', rangeHint);
    const end = this.integer({ key: 'pd.p.w.seqEnd' }, rangeHint);
    this.expect('(', rangeHint);
    const lenAt = this.pos;
    const len = this.integer({ key: 'pd.p.w.len' }, rangeHint);
    this.expect(')', rangeHint);
    if (((end - start) >>> 0) !== len) this.fail({ key: 'pd.p.rangeLen', params: { start, end, n: (end - start) >>> 0, len } }, { key: 'pd.p.rangeLen.hint', params: { fix: `${start}:${(start + len) >>> 0}(${len})` } }, lenAt);
    const ev: PacketEvent = { type: 'packet', pos: at, time, dir, flags, start, end, len };
    if (ipInfo !== undefined) ev.ipInfo = ipInfo;
    for (;;) {
      this.skip(false);
      const wAt = this.pos;
      if (this.peek() === '<') {
        ev.options = this.options();
        break;
      }
      const w = this.ident();
      if (w === undefined) break;
      if (!PACKET_WORDS.includes(w)) this.fail({ key: 'pd.p.unknownWord', params: { w } }, { key: 'pd.p.optionsGo', params: { hint: hintFor(w, PACKET_WORDS, 'pd.p.k.words', '') } }, wAt);
      if (ev[w as 'ack' | 'win' | 'urg'] !== undefined) this.fail({ key: 'pd.p.twice', params: { w } }, { key: 'pd.p.twice.hint' }, wAt);
      ev[w as 'ack' | 'win' | 'urg'] = this.integer({ key: 'pd.p.w.value', params: { w } }, { key: 'pd.p.value.hint', params: { w, n: w === 'ack' ? 1001 : w === 'win' ? 257 : 0 } }, w === 'ack' ? 0xffffffff : 0xffff);
    }
    if (dir === '<' && ev.win === undefined) this.fail({ key: 'pd.p.win' }, { key: 'pd.p.win.hint' }, at);
    this.endOfEvent({ key: 'pd.p.w.packet' });
    return ev;
  }

  private options(): PdOption[] | 'any' {
    this.advance(); // '<'
    this.skip(false);
    if (this.startsWith('...')) {
      this.advance(3);
      this.expect('>', { key: 'pd.p.anyOptions.hint' });
      return 'any';
    }
    const out: PdOption[] = [];
    for (;;) {
      this.skip(false);
      const at = this.pos;
      const name = this.ident();
      if (name === undefined) this.fail({ key: 'pd.p.option', params: { word: this.word() } }, { key: 'pd.p.options.hint' });
      const hint: Msg = { key: 'pd.p.options.hint' };
      switch (name) {
        case 'mss': out.push({ kind: 'mss', mss: this.integer({ key: 'pd.p.w.mss' }, 'mss 1460', 0xffff) }); break;
        case 'sackOK': out.push({ kind: 'sackOK' }); break;
        case 'nop': out.push({ kind: 'nop' }); break;
        case 'eol': out.push({ kind: 'eol' }); break;
        case 'wscale': out.push({ kind: 'wscale', shift: this.integer({ key: 'pd.p.w.wscale' }, 'wscale 7', 255) }); break;
        case 'TS': {
          this.skip(false);
          if (this.ident() !== 'val') this.fail({ key: 'pd.p.ts' }, { key: 'pd.p.example', params: { text: 'TS val 100 ecr 0' } });
          const val = this.integer({ key: 'pd.p.w.tsVal' }, 'TS val 100 ecr 0');
          this.skip(false);
          if (this.ident() !== 'ecr') this.fail({ key: 'pd.p.ts' }, { key: 'pd.p.example', params: { text: 'TS val 100 ecr 0' } });
          out.push({ kind: 'TS', val, ecr: this.integer({ key: 'pd.p.w.tsEcr' }, 'TS val 100 ecr 0') });
          break;
        }
        case 'sack': {
          const blocks: Array<[number, number]> = [];
          for (;;) {
            this.skip(false);
            if (!/\d/.test(this.peek())) break;
            const a = this.integer({ key: 'pd.p.w.sackStart' }, 'sack 1001:2001 3001:4001');
            this.expect(':', 'sack 1001:2001');
            blocks.push([a, this.integer({ key: 'pd.p.w.sackEnd' }, 'sack 1001:2001')]);
          }
          if (blocks.length === 0) this.fail({ key: 'pd.p.sackBlock' }, 'sack 1001:2001 3001:4001');
          out.push({ kind: 'sack', blocks });
          break;
        }
        case 'FO': case 'FOEXP': {
          this.skip(false);
          const at2 = this.pos;
          let cookie = '';
          while (!this.eof() && /[0-9A-Za-z_]/.test(this.peek())) {
            cookie += this.peek();
            this.advance();
          }
          // packetdrill's lexer: a cookie is an even number of hex digits (or a -D name, which is a word).
          if (/^[0-9a-f]+$/i.test(cookie) && cookie.length % 2 !== 0) this.fail({ key: 'pd.p.cookie', params: { n: cookie.length } }, { key: 'pd.p.cookie.hint' }, at2);
          out.push({ kind: 'FO', experimental: name === 'FOEXP', cookie });
          break;
        }
        case 'md5': case 'exp': case 'mptcp': case 'tarr': {
          // Their arguments run to the next ',' or '>'.
          while (!this.eof() && this.peek() !== ',' && this.peek() !== '>' && this.peek() !== '\n') this.advance();
          out.push({ kind: 'other', name });
          break;
        }
        default:
          this.fail({ key: 'pd.p.unknownTcpOption', params: { name } }, { key: 'pd.p.join', params: { a: hintFor(name, OPTION_NAMES, 'pd.p.k.options', ''), b: hint } }, at);
      }
      this.skip(false);
      if (this.peek() === ',') {
        this.advance();
        continue;
      }
      if (this.peek() === '>') {
        this.advance();
        return out;
      }
      this.fail({ key: 'pd.p.optionList', params: { word: this.word() } }, { key: 'pd.p.optionList.hint' });
    }
  }

  private syscall(at: Pos, time: TimeSpec): SyscallEvent {
    const nameAt = this.pos;
    const name = this.ident()!;
    // packetdrill knows these calls and no others (run_system_call.c's table): another name is a typo.
    if (!SYSTEM_CALLS.includes(name)) this.fail({ key: 'pd.p.unknownSyscall', params: { name } }, hintFor(name, SYSTEM_CALLS, 'pd.p.k.syscalls', ''), nameAt);
    this.skip(false);
    if (this.peek() !== '(') this.fail({ key: 'pd.p.paren', params: { name } }, { key: 'pd.p.paren.hint' }, nameAt);
    const args = this.exprList('(', ')');
    this.skip(false);
    if (this.peek() !== '=') this.fail({ key: 'pd.p.noResult', params: { name } }, { key: 'pd.p.noResult.hint', params: { name } });
    this.advance();
    this.skip(false);
    let result: number | undefined;
    if (this.startsWith('...')) this.advance(3);
    else result = this.number({ key: 'pd.p.w.result' }, { key: 'pd.p.result.hint' });
    const ev: SyscallEvent = { type: 'syscall', pos: at, time, name, args, result };
    this.skip(false);
    if (this.peek() === '(') this.note();
    else if (/[A-Z]/.test(this.peek())) {
      ev.errno = this.ident();
      this.skip(false);
      if (this.peek() === '(') this.note();
    }
    if (ev.errno !== undefined && result !== -1) this.fail({ key: 'pd.p.errno', params: { errno: ev.errno, result: String(result) } }, `= -1 ${ev.errno}`);
    this.endOfEvent({ key: 'pd.p.w.syscall' });
    return ev;
  }

  /** Free text in parentheses after a result, not compared: `EINPROGRESS (Operation now in progress)`, `= 0x2 (flags O_RDWR)`. */
  private note(): void {
    const end = this.s.indexOf(')', this.i);
    if (end < 0) this.fail({ key: 'pd.p.note' }, { key: 'pd.p.note.hint' });
    this.advance(end + 1 - this.i);
  }

  private exprList(open: string, close: string): Expr[] {
    this.advance(); // open
    this.depth++;
    const items: Expr[] = [];
    this.skip();
    if (this.peek() === close) {
      this.advance();
      this.depth--;
      return items;
    }
    for (;;) {
      items.push(this.expr());
      this.skip();
      if (this.peek() === ',') {
        this.advance();
        continue;
      }
      if (this.peek() === close) {
        this.advance();
        this.depth--;
        return items;
      }
      this.fail({ key: 'pd.p.args', params: { close, found: this.found() } }, { key: 'pd.p.args.hint', params: { open, close } });
    }
  }

  private expr(): Expr {
    this.skip();
    const at = this.pos;
    const first = this.primary();
    this.skip();
    if (this.peek() !== '|') return first;
    const items = [first];
    while (this.peek() === '|') {
      this.advance();
      this.skip();
      items.push(this.primary());
      this.skip();
    }
    return { kind: 'or', items, pos: at };
  }

  private primary(): Expr {
    this.skip();
    const pos = this.pos;
    const c = this.peek();
    if (this.startsWith('...')) {
      this.advance(3);
      return { kind: 'ellipsis', pos };
    }
    if (c === '[') return { kind: 'list', items: this.exprList('[', ']'), pos };
    if (c === '{') return { kind: 'struct', fields: this.exprList('{', '}'), pos };
    if (c === '"') {
      const end = this.s.indexOf('"', this.i + 1);
      if (end < 0) this.fail({ key: 'pd.p.string' }, { key: 'pd.p.string.hint' });
      const value = this.s.slice(this.i + 1, end);
      this.advance(end + 1 - this.i);
      return { kind: 'str', value, pos };
    }
    if (c === '-' || /[\d.]/.test(c)) return { kind: 'num', value: this.number({ key: 'pd.p.w.number' }, { key: 'pd.p.number.hint' }), pos };
    const name = this.ident();
    if (name === undefined) this.fail({ key: 'pd.p.argument', params: { word: this.word() } }, { key: 'pd.p.argument.hint' });
    this.skip();
    let arg: Expr | undefined;
    if (this.peek() === '(') {
      const args = this.exprList('(', ')');
      this.skip();
      if (this.peek() !== '=') return { kind: 'call', name, args, pos };
      arg = args[0];
    }
    if (this.peek() === '=' && this.peek(1) !== '=') {
      this.advance();
      const value = this.expr();
      return arg === undefined ? { kind: 'field', name, value, pos } : { kind: 'field', name, arg, value, pos };
    }
    return { kind: 'sym', name, pos };
  }

  private code(at: Pos, time: TimeSpec): CodeEvent {
    const open = this.pos;
    this.advance(2);
    const end = this.s.indexOf('}%', this.i);
    if (end < 0) this.fail({ key: 'pd.p.codeOpen' }, { key: 'pd.p.codeOpen.hint' }, open);
    const codeAt = this.pos;
    const text = this.s.slice(this.i, end);
    this.advance(end + 2 - this.i);
    const ev: CodeEvent = { type: 'code', pos: at, time, code: parseCode(text, codeAt) };
    this.endOfEvent({ key: 'pd.p.w.code' });
    return ev;
  }
}

function hintFor(word: string, known: readonly string[], what: MessageKey, prefix: string): Msg {
  const n = nearest(word, known);
  return n !== undefined ? { key: 'pd.p.didYouMean', params: { word: `${prefix}${n}` } } : { key: 'pd.p.known', params: { what: { key: what }, list: known.map((k) => prefix + k) } };
}

/** A hint: a message, or a piece of script syntax shown as it is in every language (`mss 1460`). */
type Hint = Msg | string;

function hintMsg(hint: Hint): Msg {
  return typeof hint === 'string' ? { key: 'pd.p.lit', params: { text: hint } } : hint;
}
