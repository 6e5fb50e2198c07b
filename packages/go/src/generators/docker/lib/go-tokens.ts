/**
 * A small Go tokenizer for reading whole source files (the graph's `scanGoFile` stops after the
 * imports). It knows what detection needs: identifiers, string and number literals, operators,
 * the semicolons Go inserts at line ends, and `//go:embed` directives. Comments are skipped.
 */

export type GoTokenKind = 'ident' | 'string' | 'int' | 'float' | 'char' | 'op' | 'semi';

export interface GoToken {
  kind: GoTokenKind;
  /** Source text of the token (for strings, with quotes). */
  text: string;
  /** Strings: the value, escapes resolved; raw strings as written. */
  value?: string;
  /** 1-based line. */
  line: number;
}

export interface GoEmbed {
  /** The patterns of one `//go:embed` line, unquoted, `all:` prefixes kept. */
  patterns: string[];
  line: number;
}

export interface TokenizedGo {
  tokens: GoToken[];
  embeds: GoEmbed[];
}

const OPERATORS = [
  '<<=', '>>=', '&^=', '...', '&&', '||', '<-', '++', '--', '==', '!=', '<=', '>=', ':=', '+=', '-=', '*=', '/=',
  '%=', '&=', '|=', '^=', '<<', '>>', '&^', '~',
  '+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '=', '!', '(', ')', '[', ']', '{', '}', ',', ';', '.', ':',
];

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{Nd}_]/u;

/** Go escape sequences in an interpreted string literal; an invalid one leaves the text as written. */
function unescape(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(/\\(?:([abfnrtv\\'"])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([0-7]{3}))/g, (all, simple, x, u, U, octal) => {
    if (simple) return ({ a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[simple] ?? simple;
    const code = parseInt(x ?? u ?? U ?? octal, x || u || U ? 16 : 8);
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/** Splits the text after `//go:embed` into patterns: space separated, "quoted" or `raw`. */
function embedPatterns(text: string): string[] {
  const patterns: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)/g;
  for (const match of text.matchAll(re)) {
    if (match[1] !== undefined) patterns.push(unescape(match[1]));
    else patterns.push(match[2] ?? match[3]);
  }
  return patterns;
}

export function tokenizeGo(source: string): TokenizedGo {
  const tokens: GoToken[] = [];
  const embeds: GoEmbed[] = [];
  const s = source;
  const n = s.length;
  let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const push = (kind: GoTokenKind, start: number, end: number, value?: string, at = line) => {
    tokens.push(value === undefined ? { kind, text: s.slice(start, end), line: at } : { kind, text: s.slice(start, end), value, line: at });
  };
  /** Go's automatic semicolon: after an identifier, a literal, `)`, `]`, `}`, `++` or `--` at a line end. */
  const needsSemi = () => {
    const last = tokens[tokens.length - 1];
    if (!last || last.kind === 'semi') return false;
    if (last.kind !== 'op') return true;
    return [')', ']', '}', '++', '--'].includes(last.text);
  };
  const newline = () => {
    if (needsSemi()) tokens.push({ kind: 'semi', text: '\n', line });
    line += 1;
  };

  while (i < n) {
    const c = s[i];
    if (c === '\n') {
      newline();
      i += 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
      continue;
    }
    if (c === '/' && s[i + 1] === '/') {
      const end = s.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      const text = s.slice(i, stop);
      if (text.startsWith('//go:embed') && (text.length === 10 || /\s/.test(text[10]))) {
        embeds.push({ patterns: embedPatterns(text.slice(10)), line });
      }
      i = stop;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      const lines = s.slice(i, stop).split('\n').length - 1;
      if (lines > 0) {
        // A comment spanning lines acts like a newline.
        if (needsSemi()) tokens.push({ kind: 'semi', text: '\n', line });
        line += lines;
      }
      i = stop;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n && s[j] !== '"' && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      push('string', i, Math.min(j + 1, n), unescape(s.slice(i + 1, Math.min(j, n))));
      i = Math.min(j + 1, n);
      continue;
    }
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      const stop = end < 0 ? n : end + 1;
      const start = line;
      const raw = s.slice(i + 1, end < 0 ? n : end);
      push('string', i, stop, raw.replace(/\r/g, ''), start);
      line += raw.split('\n').length - 1;
      i = stop;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < n && s[j] !== "'" && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      push('char', i, Math.min(j + 1, n));
      i = Math.min(j + 1, n);
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && s[i + 1] >= '0' && s[i + 1] <= '9')) {
      const match = /^(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?\d+)?|0[bBoO][0-7_01]*|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)i?/.exec(s.slice(i, i + 64));
      const text = match ? match[0] : c;
      push(/[.eEpP]/.test(text) && !/^0[xX][0-9a-fA-F_]*$/.test(text) ? 'float' : 'int', i, i + text.length);
      i += text.length;
      continue;
    }
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (IDENT_START.test(ch)) {
      let j = i + ch.length;
      while (j < n) {
        const next = String.fromCodePoint(s.codePointAt(j) as number);
        if (!IDENT_PART.test(next)) break;
        j += next.length;
      }
      push('ident', i, j);
      i = j;
      continue;
    }
    const op = OPERATORS.find((candidate) => s.startsWith(candidate, i));
    if (op) {
      push(op === ';' ? 'semi' : 'op', i, i + op.length);
      i += op.length;
      continue;
    }
    // Anything else (a stray character) is skipped; detection is best effort.
    i += ch.length;
  }
  if (needsSemi()) tokens.push({ kind: 'semi', text: '\n', line });
  return { tokens, embeds };
}
