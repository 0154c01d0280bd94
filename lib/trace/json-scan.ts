/**
 * A small JSON (RFC 8259) recogniser used only to explain bad input: where the first syntax error is (in a
 * trace line, or in a whole file given to `tcpemu sweep --merge`), and at which column each top-level key
 * starts. JSON.parse stays the fast path for good input; its messages differ between V8 versions and do not
 * always carry a position, so positions come from here.
 */

export type ScanResult =
  | { ok: true; /** 1-based column of each top-level key's opening quote. */ keyCols: Map<string, number>; /** 1-based column of the closing brace. */ endCol: number }
  | { ok: false; /** 1-based column of the offending character. */ col: number; message: string };

const MAX_DEPTH = 512;

class ScanFailure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

export function scanJsonLine(text: string): ScanResult {
  let pos = 0;
  const keyCols = new Map<string, number>();
  let endCol = 0;

  const fail = (message: string, at = pos): never => {
    throw new ScanFailure(at, message);
  };
  const describe = (): string => (pos >= text.length ? 'the line ends' : `unexpected ${JSON.stringify(text[pos])}`);
  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  const expect = (ch: string, what: string): void => {
    if (text[pos] !== ch) fail(`${describe()} where ${what} should be`);
    pos++;
  };

  const scanString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let runStart = pos;
    while (true) {
      if (pos >= text.length) fail('string not closed: the line ends before its closing quote', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(runStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character inside a string (write it as an escape such as \\n)');
      if (c === 0x5c) {
        out += text.slice(runStart, pos);
        const e = text[pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) fail('bad \\u escape: four hex digits must follow');
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          out += e; // only used as a map key; the exact decoded character does not matter
          pos += 2;
        } else {
          fail(`bad escape \\${e ?? ''} inside a string`);
        }
        runStart = pos;
        continue;
      }
      pos++;
    }
  };

  const scanNumber = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400));
    if (!m || m[0] === '-' || m[0].length === 0) fail('bad number');
    pos += m![0].length;
    if (pos < text.length && /[0-9.eE+\-]/.test(text[pos]!)) fail('bad number');
  };

  const scanValue = (depth: number): void => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipWs();
    const c = text[pos];
    if (c === '{') {
      pos++;
      skipWs();
      if (text[pos] === '}') {
        pos++;
        if (depth === 0) endCol = pos;
        return;
      }
      while (true) {
        skipWs();
        if (text[pos] !== '"') fail(`${describe()} where a "key" in double quotes should be`);
        const keyStart = pos;
        const key = scanString();
        if (depth === 0 && !keyCols.has(key)) keyCols.set(key, keyStart + 1);
        skipWs();
        expect(':', 'a colon after the key');
        scanValue(depth + 1);
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          if (depth === 0) endCol = pos;
          return;
        }
        fail(`${describe()} where a comma or a closing brace should be`);
      }
    }
    if (c === '[') {
      pos++;
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      while (true) {
        scanValue(depth + 1);
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return;
        }
        fail(`${describe()} where a comma or a closing bracket should be`);
      }
    }
    if (c === '"') {
      scanString();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      scanNumber();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return;
      }
    }
    fail(`${describe()} where a value should be`);
  };

  try {
    scanValue(0);
    skipWs();
    if (pos < text.length) fail(`unexpected ${JSON.stringify(text[pos])} after the end of the object`);
    return { ok: true, keyCols, endCol };
  } catch (e) {
    if (e instanceof ScanFailure) return { ok: false, col: Math.min(e.offset, text.length) + 1, message: e.message };
    throw e;
  }
}
