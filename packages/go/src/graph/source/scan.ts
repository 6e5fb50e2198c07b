/**
 * Reads the header of a Go source file — leading comments, package clause and
 * import declarations — without the Go toolchain.
 *
 * The reader follows the Go specification's lexical rules (comments, automatic
 * semicolons, interpreted and raw string literals) and the way `go/build`
 * reads a file: it stops at the first top-level token that is not an import
 * declaration, so the body of the file is never scanned.
 *
 * Build constraints are located with the same line-oriented rule the go
 * command applies: `//go:build` lines anywhere in the leading run of comments
 * (outside block comments), and `// +build` lines only in the part of that run
 * that is followed by a blank line.
 */

export interface GoImport {
  /** The import path, with string escapes resolved. */
  path: string;
  /** The explicit package name: an alias, `_` or `.`. */
  name?: string;
  /** 1-based line of the import spec (its name when present, else its path). */
  line: number;
}

export interface GoFileHeader {
  /** The name in the package clause (absent when the clause is malformed). */
  packageName?: string;
  /** Import specs in source order. */
  imports: GoImport[];
  /** The expression text of the `//go:build` line, if the header has one. */
  buildConstraint?: string;
  /** The bodies of the legacy `// +build` lines the go command would honour. */
  plusBuild: string[];
  /** The file imports "C" (a cgo file). */
  importsC: boolean;
  /** A `// Code generated ... DO NOT EDIT.` comment line precedes the package clause. */
  generated: boolean;
  /**
   * Set when the go command would reject the header (see scanGoFile). Imports
   * read before the problem are kept here, although go/build itself records
   * none from such a file.
   */
  error?: string;
}

/** The error reported for a header with more than one `//go:build` line; the go command rejects such files. */
export const MULTIPLE_GO_BUILD_ERROR = 'multiple //go:build comments';

/** The error reported for a NUL byte in the header; the go command cannot read such files. */
export const NUL_ERROR = 'unexpected NUL in input';

// ---------------------------------------------------------------------------
// Character classes

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_DQUOTE = 34;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_STAR = 42;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_SEMI = 59;
const CH_BACKSLASH = 92;
const CH_UNDERSCORE = 95;
const CH_BACKTICK = 96;
const CH_I = 105;

const UNICODE_LETTER = /\p{L}/u;
/** The ASCII rest of an identifier (sticky: matched at lastIndex). */
const ASCII_IDENT_TAIL = /[A-Za-z0-9_]*/y;
const UNICODE_LETTER_OR_DIGIT = /[\p{L}\p{Nd}]/u;
const UNICODE_PATH_CHAR = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** ASCII letters and `_`: identifier characters that may start an identifier. */
function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === CH_UNDERSCORE;
}

/** Whitespace as Go's unicode.IsSpace defines it. */
export function isGoSpace(c: number): boolean {
  if (c < 0x80) return c === CH_SPACE || (c >= CH_TAB && c <= CH_CR);
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function trimLeft(s: string, a: number, b: number): number {
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  return a;
}

function trimRight(s: string, a: number, b: number): number {
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return b;
}

/** ASCII characters allowed in an import path (printable, not space, not one of !"#$%&'()*,:;<=>?[\]^{|}`). */
const PATH_ASCII = (() => {
  const table = new Uint8Array(128);
  for (let c = 0x21; c < 0x7f; c++) table[c] = 1;
  for (const ch of '!"#$%&\'()*,:;<=>?[\\]^{|}`') table[ch.charCodeAt(0)] = 0;
  return table;
})();

/** Import paths made only of ASCII letters, digits and + - . / @ _ ~ (always valid). */
const COMMON_PATH = /^[A-Za-z0-9+\-./@_~]+$/;

/**
 * Go's rule for import paths: non-empty; every character graphic, not a space,
 * and not one of the reserved punctuation characters; no U+FFFD.
 */
export function isValidImportPath(path: string): boolean {
  if (COMMON_PATH.test(path)) return true;
  const n = path.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x80) {
      if (PATH_ASCII[c] === 0) return false;
      continue;
    }
    const cp = path.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (cp === 0xfffd || !UNICODE_PATH_CHAR.test(String.fromCodePoint(cp))) return false;
  }
  return true;
}

const GO_KEYWORDS = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough',
  'for', 'func', 'go', 'goto', 'if', 'import', 'interface', 'map', 'package', 'range',
  'return', 'select', 'struct', 'switch', 'type', 'var',
]);

/** Keywords after which a newline inserts a semicolon. */
const SEMI_KEYWORDS = new Set(['break', 'continue', 'fallthrough', 'return']);

// ---------------------------------------------------------------------------
// String literals

const HEX_VALUE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

function hexDigits(s: string, at: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const c = s.charCodeAt(at + k);
    const d = c < 128 ? HEX_VALUE[c] : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

function pushUtf8(bytes: number[], cp: number): void {
  if (cp < 0x80) bytes.push(cp);
  else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34,
};

/**
 * Decodes the body of an interpreted string literal that contains escapes.
 * Byte escapes (\x, octal) are assembled as UTF-8 like Go does; a byte sequence
 * that is not valid UTF-8 decodes to U+FFFD, which no import path accepts.
 * Returns an error message for an invalid escape.
 */
function decodeEscapes(s: string, a: number, b: number): { value: string } | { error: string } {
  const bytes: number[] = [];
  let i = a;
  while (i < b) {
    const c = s.charCodeAt(i);
    if (c !== CH_BACKSLASH) {
      const cp = s.codePointAt(i) as number;
      pushUtf8(bytes, cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[i + 1];
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
      continue;
    }
    if (e === 'x') {
      const v = hexDigits(s, i + 2, 2);
      if (v < 0 || i + 4 > b) return { error: 'illegal character in escape sequence' };
      bytes.push(v);
      i += 4;
      continue;
    }
    if (e === 'u' || e === 'U') {
      const count = e === 'u' ? 4 : 8;
      const v = i + 2 + count <= b ? hexDigits(s, i + 2, count) : -1;
      if (v < 0) return { error: 'illegal character in escape sequence' };
      if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) {
        return { error: 'escape sequence is invalid Unicode code point' };
      }
      pushUtf8(bytes, v);
      i += 2 + count;
      continue;
    }
    if (e >= '0' && e <= '7') {
      let v = 0;
      for (let k = 1; k <= 3; k++) {
        const d = s.charCodeAt(i + k) - CH_0;
        if (i + k >= b || d < 0 || d > 7) return { error: 'illegal character in escape sequence' };
        v = v * 8 + d;
      }
      if (v > 255) return { error: 'escape sequence is invalid Unicode code point' };
      bytes.push(v);
      i += 4;
      continue;
    }
    return { error: 'unknown escape sequence' };
  }
  return { value: Buffer.from(bytes).toString('utf8') };
}

// ---------------------------------------------------------------------------
// Build-constraint lines

/**
 * Finds the `//go:build` and `// +build` lines of the leading comment block,
 * applying the go command's line rules: lines are compared after trimming
 * space; `//go:build` counts anywhere before the first non-comment text unless
 * inside a block comment; `// +build` counts only before the last blank line
 * that precedes the first non-comment line (so a +build comment directly
 * above the package clause is ignored).
 */
function readConstraintLines(s: string, start: number, h: GoFileHeader): void {
  const n = s.length;
  let p = start;
  let end = start;
  let ended = false;
  let inSlashStar = false;
  let slashStarClose = -1;
  let plusStarts: number[] | undefined;
  let plusBodies: string[] | undefined;

  lines: while (p < n) {
    const lineStart = p;
    const nl = s.indexOf('\n', p);
    const lineEnd = nl < 0 ? n : nl;
    p = nl < 0 ? n : nl + 1;
    let a = trimLeft(s, lineStart, lineEnd);
    const b = trimRight(s, a, lineEnd);

    if (a === b) {
      if (!ended) end = p;
      continue;
    }
    const isLineComment = s.charCodeAt(a) === CH_SLASH && s.charCodeAt(a + 1) === CH_SLASH;
    if (!isLineComment) ended = true;

    if (!inSlashStar && isLineComment) {
      if (s.startsWith('//go:build', a)) {
        const rest = a + 10;
        if (rest === b || isGoSpace(s.charCodeAt(rest))) {
          if (h.buildConstraint !== undefined) {
            h.error ??= MULTIPLE_GO_BUILD_ERROR;
          } else {
            h.buildConstraint = s.slice(trimLeft(s, rest, b), b);
          }
        }
      } else if (!ended) {
        const body = plusBuildBody(s, a, b);
        if (body !== undefined) {
          (plusStarts ??= []).push(lineStart);
          (plusBodies ??= []).push(body);
        }
      }
    }

    for (;;) {
      if (a >= b) continue lines;
      if (inSlashStar) {
        if (slashStarClose >= 0 && slashStarClose + 2 <= b) {
          inSlashStar = false;
          a = trimLeft(s, slashStarClose + 2, b);
          continue;
        }
        continue lines;
      }
      if (s.charCodeAt(a) !== CH_SLASH) break lines;
      const c1 = s.charCodeAt(a + 1);
      if (c1 === CH_SLASH) continue lines;
      if (c1 !== CH_STAR) break lines;
      inSlashStar = true;
      a = trimLeft(s, a + 2, b);
      slashStarClose = s.indexOf('*/', a);
    }
  }

  if (plusStarts && plusBodies) {
    for (let k = 0; k < plusStarts.length; k++) {
      if (plusStarts[k] < end) h.plusBuild.push(plusBodies[k]);
    }
  }
}

/** The expression of a `// +build` line ([a, b) is the trimmed line), or undefined when it is not one. */
function plusBuildBody(s: string, a: number, b: number): string | undefined {
  const c = trimLeft(s, a + 2, b);
  if (!s.startsWith('+build', c)) return undefined;
  const rest = c + 6;
  if (rest < b && !isGoSpace(s.charCodeAt(rest))) return undefined;
  return s.slice(trimLeft(s, rest, b), b);
}

// ---------------------------------------------------------------------------
// Tokens and header grammar

const T_EOF: number = 0;
const T_IDENT: number = 1;
const T_STRING: number = 2;
const T_LPAREN: number = 3;
const T_RPAREN: number = 4;
const T_SEMI: number = 5;
const T_PERIOD: number = 6;
const T_OTHER: number = 7;
const T_ERROR: number = 8;

const GENERATED_PREFIX = '// Code generated ';
const GENERATED_SUFFIX = ' DO NOT EDIT.';

function isGeneratedLine(line: string): boolean {
  return (
    line.startsWith(GENERATED_PREFIX) &&
    line.length >= GENERATED_PREFIX.length + GENERATED_SUFFIX.length &&
    line.endsWith(GENERATED_SUFFIX)
  );
}

/** Carriage returns are dropped from comment text, except one that separates a `*` from the closing `/`. */
function stripBlockCommentCR(text: string): string {
  if (text.indexOf('\r') < 0) return text;
  let out = '';
  for (let j = 0; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\r' && !(out.length > 2 && out[out.length - 1] === '*' && text[j + 1] === '/')) continue;
    out += ch;
  }
  return out;
}

/**
 * Tokenizer and parser for a file header, in one object that is reused from
 * call to call. The tokenizer skips white space and comments; a newline (or a
 * comment spanning lines) becomes a semicolon after an identifier, a literal
 * or `)`, as the Go specification prescribes.
 *
 * Grammar read (Go specification):
 *   PackageClause ";" { ImportDecl ";" }
 *   ImportDecl = "import" ( ImportSpec | "(" { ImportSpec ";" } ")" )
 *   ImportSpec = [ "." | PackageName ] ImportPath
 * Reading stops at the first token after that which is not `import`.
 */
class HeaderReader {
  private s = '';
  private n = 0;
  private pos = 0;
  private line = 1;
  private needSemi = false;
  private beforePackage = true;
  private generated = false;
  private header: GoFileHeader | undefined;

  // Current token.
  private tok = T_EOF;
  private start = 0;
  private end = 0;
  private tokLine = 1;
  /** The decoded value of a string literal. */
  private text = '';
  /** The text of an identifier token. */
  private word = '';
  /** The identifier token is a keyword. */
  private keyword = false;
  /** Error message for T_ERROR. */
  private message = '';
  /** The T_ERROR is an unterminated comment (rather than a malformed literal). */
  private inComment = false;
  private explicitSemi = false;

  /** Reads the header of `s` from `start` into `header`; returns where reading stopped. */
  read(s: string, start: number, header: GoFileHeader): number {
    this.s = s;
    this.n = s.length;
    this.pos = start;
    this.line = 1;
    this.needSemi = false;
    this.beforePackage = true;
    this.generated = false;
    this.header = header;
    this.tok = T_EOF;
    try {
      this.parse(header);
      return this.start;
    } finally {
      // Do not keep the source alive between calls.
      this.s = '';
      this.text = '';
      this.word = '';
      this.header = undefined;
    }
  }

  private parse(h: GoFileHeader): void {
    // Package clause.
    this.next();
    this.beforePackage = false;
    h.generated = this.generated;
    if (!this.atWord('package')) return this.expected("'package'");
    this.next();
    if (this.tok !== T_IDENT || this.keyword) return this.expected('package name');
    h.packageName = this.word;
    this.next();

    // Import declarations, each after a semicolon. The first other token
    // ends the header; go/build reads no further, so whatever follows (even
    // an empty declaration or an unterminated literal) is not its concern.
    for (let first = true; ; first = false) {
      let separated = false;
      if (this.tok === T_SEMI) {
        separated = true;
        this.next();
      }
      const tok = this.tok;
      if (tok === T_EOF) return;
      if (tok === T_ERROR && this.inComment) {
        // go/parser gives up on a file whose package clause is followed by a scanning error.
        if (first) delete h.packageName;
        return this.fail(this.message);
      }
      if (!separated && this.s.charCodeAt(this.start) === CH_I) {
        // go/build reads an `i` after a declaration as the start of another
        // import declaration, which needs a semicolon before it.
        if (first) delete h.packageName;
        return this.expected("';'");
      }
      if (!separated || !this.atWord('import')) return;
      this.next();
      if (this.tok === T_LPAREN) {
        this.next();
        for (;;) {
          if (this.tok === T_RPAREN) {
            this.next();
            break;
          }
          if (!this.importSpec(h)) return;
          if (this.tok === T_SEMI) {
            this.next();
          } else if (this.tok !== T_RPAREN) {
            return this.expected("';' or ')'");
          }
        }
      } else if (!this.importSpec(h)) {
        return;
      }
    }
  }

  private importSpec(h: GoFileHeader): boolean {
    let name: string | undefined;
    const line = this.tokLine;
    if (this.tok === T_IDENT && !this.keyword) {
      name = this.word;
      this.next();
    } else if (this.tok === T_PERIOD) {
      name = '.';
      this.next();
    }
    if (this.tok !== T_STRING) {
      this.expected('import path');
      return false;
    }
    const path = this.text;
    if (!isValidImportPath(path)) {
      this.fail(`invalid import path: ${JSON.stringify(path)}`);
      return false;
    }
    h.imports.push(name === undefined ? { path, line } : { path, name, line });
    if (path === 'C') h.importsC = true;
    this.next();
    return true;
  }

  private atWord(word: string): boolean {
    return this.tok === T_IDENT && this.word === word;
  }

  private fail(message: string): void {
    const h = this.header as GoFileHeader;
    h.error ??= message;
  }

  private expected(what: string): void {
    this.fail(this.tok === T_ERROR ? this.message : `expected ${what}, found ${this.describe()}`);
  }

  private describe(): string {
    switch (this.tok) {
      case T_EOF:
        return 'EOF';
      case T_IDENT:
        return `'${this.word}'`;
      case T_STRING:
        return 'string literal';
      case T_SEMI:
        return this.explicitSemi ? "';'" : 'newline';
      default:
        return `'${this.s.slice(this.start, this.end)}'`;
    }
  }

  // ---- tokenizer

  private next(): void {
    const s = this.s;
    const n = this.n;
    let i = this.pos;
    for (;;) {
      if (i >= n) {
        this.start = this.end = this.pos = n;
        this.tokLine = this.line;
        if (this.needSemi) return this.semi(false);
        this.tok = T_EOF;
        return;
      }
      const c = s.charCodeAt(i);
      if (c === CH_SPACE || c === CH_TAB || c === CH_CR) {
        i++;
        continue;
      }
      if (c === CH_LF) {
        if (this.needSemi) {
          this.start = i;
          this.tokLine = this.line;
          this.end = this.pos = i + 1;
          this.line++;
          return this.semi(false);
        }
        this.line++;
        i++;
        continue;
      }
      if (c === CH_SLASH) {
        const c1 = s.charCodeAt(i + 1);
        if (c1 === CH_SLASH) {
          if (this.needSemi) {
            // A line comment ends the line: it acts like a newline.
            this.start = this.end = this.pos = i;
            this.tokLine = this.line;
            return this.semi(false);
          }
          let eol = s.indexOf('\n', i + 2);
          if (eol < 0) eol = n;
          if (this.beforePackage && !this.generated && s.startsWith(GENERATED_PREFIX, i)) {
            this.checkLineComment(i, eol);
          }
          i = eol;
          continue;
        }
        if (c1 === CH_STAR) {
          const close = s.indexOf('*/', i + 2);
          if (close < 0) {
            this.start = i;
            this.end = this.pos = n;
            this.tokLine = this.line;
            this.needSemi = false;
            this.message = 'comment not terminated';
            this.inComment = true;
            this.tok = T_ERROR;
            return;
          }
          let nl = s.indexOf('\n', i + 2);
          if (nl >= 0 && nl < close) {
            if (this.needSemi) {
              // A block comment spanning lines acts like a newline.
              this.start = this.end = this.pos = i;
              this.tokLine = this.line;
              return this.semi(false);
            }
            while (nl >= 0 && nl < close) {
              this.line++;
              nl = s.indexOf('\n', nl + 1);
            }
          }
          if (this.beforePackage && !this.generated) this.checkBlockComment(i, close + 2);
          i = close + 2;
          continue;
        }
        return this.single(i, T_OTHER);
      }
      this.tokLine = this.line;
      if (c === CH_DQUOTE) return this.interpretedString(i);
      if (c === CH_BACKTICK) return this.rawString(i);
      if (c === CH_LPAREN) return this.single(i, T_LPAREN);
      if (c === CH_RPAREN) {
        this.single(i, T_RPAREN);
        this.needSemi = true;
        return;
      }
      if (c === CH_SEMI) {
        this.start = i;
        this.end = this.pos = i + 1;
        return this.semi(true);
      }
      if (c === CH_DOT) {
        const d = s.charCodeAt(i + 1);
        return this.single(i, d >= CH_0 && d <= CH_9 ? T_OTHER : T_PERIOD);
      }
      if (isAsciiLetter(c)) return this.identifier(i);
      if (c >= 0x80 && UNICODE_LETTER.test(String.fromCodePoint(s.codePointAt(i) as number))) {
        return this.identifier(i);
      }
      return this.single(i, T_OTHER);
    }
  }

  private semi(explicit: boolean): void {
    this.needSemi = false;
    this.explicitSemi = explicit;
    this.tok = T_SEMI;
  }

  private single(i: number, tok: number): void {
    this.needSemi = false;
    this.start = i;
    this.tokLine = this.line;
    this.end = this.pos = i + 1;
    this.tok = tok;
  }

  private error(i: number, message: string): void {
    this.needSemi = false;
    this.start = i;
    this.end = this.pos = this.n;
    this.message = message;
    this.inComment = false;
    this.tok = T_ERROR;
  }

  private identifier(i: number): void {
    const s = this.s;
    const n = this.n;
    ASCII_IDENT_TAIL.lastIndex = i + 1;
    ASCII_IDENT_TAIL.test(s);
    let j = ASCII_IDENT_TAIL.lastIndex;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (isAsciiLetter(c) || (c >= CH_0 && c <= CH_9)) {
        j++;
        continue;
      }
      if (c < 0x80) break;
      const cp = s.codePointAt(j) as number;
      if (!UNICODE_LETTER_OR_DIGIT.test(String.fromCodePoint(cp))) break;
      j += cp > 0xffff ? 2 : 1;
    }
    const word = s.slice(i, j);
    const keyword = GO_KEYWORDS.has(word);
    this.word = word;
    this.keyword = keyword;
    this.start = i;
    this.end = this.pos = j;
    this.needSemi = !keyword || SEMI_KEYWORDS.has(word);
    this.tok = T_IDENT;
  }

  private interpretedString(i: number): void {
    const s = this.s;
    const close = s.indexOf('"', i + 1);
    if (close >= 0) {
      const body = s.slice(i + 1, close);
      if (body.indexOf('\\') < 0) {
        if (body.indexOf('\n') >= 0) return this.error(i, 'string literal not terminated');
        this.text = body;
        this.start = i;
        this.end = this.pos = close + 1;
        this.needSemi = true;
        this.tok = T_STRING;
        return;
      }
    }
    // Escapes (or no closing quote): find the end character by character.
    const n = this.n;
    let j = i + 1;
    for (;;) {
      if (j >= n) return this.error(i, 'string literal not terminated');
      const c = s.charCodeAt(j);
      if (c === CH_DQUOTE) break;
      if (c === CH_LF) return this.error(i, 'string literal not terminated');
      j += c === CH_BACKSLASH ? 2 : 1;
    }
    this.start = i;
    this.end = this.pos = j + 1;
    this.needSemi = true;
    this.tok = T_STRING;
    const decoded = decodeEscapes(s, i + 1, j);
    if ('error' in decoded) return this.error(i, decoded.error);
    this.text = decoded.value;
  }

  private rawString(i: number): void {
    const s = this.s;
    const close = s.indexOf('`', i + 1);
    if (close < 0) return this.error(i, 'raw string literal not terminated');
    let text = s.slice(i + 1, close);
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) this.line++;
    // Carriage returns are discarded from raw string values.
    if (text.indexOf('\r') >= 0) text = text.replace(/\r/g, '');
    this.text = text;
    this.start = i;
    this.end = this.pos = close + 1;
    this.needSemi = true;
    this.tok = T_STRING;
  }

  /** Line comment [a, b) starting with the marker prefix: the marker must be the whole comment (carriage returns aside). */
  private checkLineComment(a: number, b: number): void {
    let text = this.s.slice(a, b);
    if (text.indexOf('\r') >= 0) text = text.replace(/\r/g, '');
    this.generated = isGeneratedLine(text);
  }

  /** Block comment [a, b): any of its lines may carry the marker. */
  private checkBlockComment(a: number, b: number): void {
    const i = this.s.indexOf(GENERATED_PREFIX, a);
    if (i < 0 || i >= b) return;
    const text = stripBlockCommentCR(this.s.slice(a, b));
    for (const line of text.split('\n')) {
      if (isGeneratedLine(line)) {
        this.generated = true;
        return;
      }
    }
  }
}

const reader = new HeaderReader();

/**
 * Scans the header of a Go source file. Never throws: a malformed header sets
 * `error` and keeps the imports read before the problem.
 *
 * `error` is set exactly when the go command would reject the file's header:
 * a syntax error in the package clause or imports (go/build then records no
 * imports from the file), an invalid import path, more than one `//go:build`
 * line ({@link MULTIPLE_GO_BUILD_ERROR}) or a NUL byte in what it reads
 * ({@link NUL_ERROR}).
 */
export function scanGoFile(source: string): GoFileHeader {
  const header: GoFileHeader = { imports: [], plusBuild: [], importsC: false, generated: false };
  const start = source.charCodeAt(0) === 0xfeff ? 1 : 0;

  readConstraintLines(source, start, header);
  reader.read(source, start, header);

  // A NUL byte in the part go/build reads makes the file unreadable for the go command.
  const nul = source.indexOf('\0', start);
  if (nul >= 0 && nul <= readExtent(source, start)) header.error = NUL_ERROR;

  return header;
}

// ---------------------------------------------------------------------------
// Read extent

/** Identifier bytes as go/build's header reader sees them (any non-ASCII character counts). */
function isReaderIdent(c: number): boolean {
  return isAsciiLetter(c) || (c >= CH_0 && c <= CH_9) || c >= 0x80;
}

/**
 * How far go/build's header reader reads: the index of the last character it
 * consumes. That reader is more lenient than the grammar above — semicolons
 * count as space, names may be any identifier, string contents are not
 * validated — and stops at the first top-level byte other than `i` after a
 * declaration, or at the first thing it cannot read. Only needed to decide
 * whether a NUL byte is read.
 */
function readExtent(s: string, start: number): number {
  const n = s.length;
  let p = start;
  const skip = (): number => {
    while (p < n) {
      const c = s.charCodeAt(p);
      if (c === CH_SPACE || c === CH_TAB || c === CH_LF || c === CH_CR || c === 12 || c === CH_SEMI) {
        p++;
      } else if (c === CH_SLASH) {
        const c1 = s.charCodeAt(p + 1);
        if (c1 === CH_SLASH) {
          const nl = s.indexOf('\n', p + 2);
          p = nl < 0 ? n : nl + 1;
        } else if (c1 === CH_STAR) {
          const close = s.indexOf('*/', p + 2);
          if (close < 0) return n;
          p = close + 2;
        } else {
          return p + 1;
        }
      } else {
        return -1;
      }
    }
    return -1;
  };
  const keyword = (kw: string): number => {
    const stop = skip();
    if (stop >= 0) return stop;
    for (let k = 0; k < kw.length; k++, p++) {
      if (p >= n) return n;
      if (s.charCodeAt(p) !== kw.charCodeAt(k)) return p;
    }
    return p < n && isReaderIdent(s.charCodeAt(p)) ? p : -1;
  };
  const ident = (): number => {
    const stop = skip();
    if (stop >= 0) return stop;
    if (p >= n || !isReaderIdent(s.charCodeAt(p))) return p;
    while (p < n && isReaderIdent(s.charCodeAt(p))) p++;
    return -1;
  };
  const str = (): number => {
    const stop = skip();
    if (stop >= 0) return stop;
    if (p >= n) return n;
    const q = s.charCodeAt(p++);
    if (q === CH_BACKTICK) {
      const close = s.indexOf('`', p);
      if (close < 0) return n;
      p = close + 1;
      return -1;
    }
    if (q !== CH_DQUOTE) return p - 1;
    for (;;) {
      if (p >= n) return n;
      const c = s.charCodeAt(p++);
      if (c === CH_DQUOTE) return -1;
      if (c === CH_LF) return p - 1;
      if (c === CH_BACKSLASH) p++;
    }
  };
  const importSpec = (): number => {
    const stop = skip();
    if (stop >= 0) return stop;
    const c = s.charCodeAt(p);
    if (c === CH_DOT) p++;
    else if (p < n && isReaderIdent(c)) {
      const e = ident();
      if (e >= 0) return e;
    }
    return str();
  };
  const run = (): number => {
    let e = keyword('package');
    if (e >= 0) return e;
    if ((e = ident()) >= 0) return e;
    for (;;) {
      if ((e = skip()) >= 0) return e;
      if (p >= n) return n;
      if (s.charCodeAt(p) !== CH_I) return p;
      if ((e = keyword('import')) >= 0) return e;
      if ((e = skip()) >= 0) return e;
      if (s.charCodeAt(p) === CH_LPAREN) {
        p++;
        for (;;) {
          if ((e = skip()) >= 0) return e;
          if (p >= n) return n;
          if (s.charCodeAt(p) === CH_RPAREN) {
            p++;
            break;
          }
          if ((e = importSpec()) >= 0) return e;
        }
      } else if ((e = importSpec()) >= 0) {
        return e;
      }
    }
  };
  return run();
}
