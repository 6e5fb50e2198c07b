/**
 * Build constraints: parsing and evaluation of `//go:build` expressions and
 * legacy `// +build` lines, the build tags of a target platform, the
 * file-name GOOS/GOARCH rule, and the combined file-inclusion decision the go
 * command makes for a .go file.
 */

import { GoFileHeader, MULTIPLE_GO_BUILD_ERROR, NUL_ERROR, isGoSpace } from './scan';

export type BuildExpr =
  | { kind: 'tag'; tag: string }
  | { kind: 'not'; x: BuildExpr }
  | { kind: 'and'; x: BuildExpr; y: BuildExpr }
  | { kind: 'or'; x: BuildExpr; y: BuildExpr };

/** A syntax error in a build expression; `offset` is the position in the expression text. */
export class BuildExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'BuildExprSyntaxError';
  }
}

export interface BuildTarget {
  goos: string;
  goarch: string;
  cgoEnabled: boolean;
  /** Go release, e.g. "1.26" (a "go" prefix and a patch or pre-release suffix are accepted). */
  goVersion: string;
  /** Tags passed with -tags, or toolchain tags such as goexperiment.* to consider set. */
  extraTags?: string[];
}

// ---------------------------------------------------------------------------
// Known operating systems and architectures (go/build's lists)

export const KNOWN_OS: ReadonlySet<string> = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux',
  'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos',
]);

/** Operating systems that satisfy the `unix` build tag. */
export const UNIX_OS: ReadonlySet<string> = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'linux',
  'netbsd', 'openbsd', 'solaris',
]);

export const KNOWN_ARCH: ReadonlySet<string> = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle',
  'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv',
  'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
]);

/** GOOS values that also satisfy another GOOS's tag and file-name suffix. */
const IMPLIED_OS: Record<string, string> = { android: 'linux', illumos: 'solaris', ios: 'darwin' };

/**
 * Architecture feature tags the toolchain sets for the default microarchitecture
 * level of each GOARCH (GOAMD64=v1, GOARM=7, GOARM64=v8.0, GO386=sse2, ...).
 */
const DEFAULT_ARCH_LEVEL_TAGS: Record<string, string[]> = {
  '386': ['386.sse2'],
  amd64: ['amd64.v1'],
  arm: ['arm.5', 'arm.6', 'arm.7'],
  arm64: ['arm64.v8.0'],
  mips: ['mips.hardfloat'],
  mipsle: ['mipsle.hardfloat'],
  mips64: ['mips64.hardfloat'],
  mips64le: ['mips64le.hardfloat'],
  ppc64: ['ppc64.power8'],
  ppc64le: ['ppc64le.power8'],
  riscv64: ['riscv64.rva20u64'],
  wasm: ['wasm.satconv', 'wasm.signext'],
};

// ---------------------------------------------------------------------------
// //go:build expressions

const UNICODE_TAG_CHAR = /[\p{L}\p{Nd}]/u;

/** Length of the tag (letters, digits, `_`, `.`) starting at `i`. */
function tagLength(s: string, i: number): number {
  let j = i;
  const n = s.length;
  while (j < n) {
    const c = s.charCodeAt(j);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46) {
      j++;
      continue;
    }
    if (c < 0x80) break;
    const cp = s.codePointAt(j) as number;
    if (!UNICODE_TAG_CHAR.test(String.fromCodePoint(cp))) break;
    j += cp > 0xffff ? 2 : 1;
  }
  return j - i;
}

/** A word is a valid tag when it is non-empty and made only of letters, digits, `_` and `.`. */
export function isValidTag(word: string): boolean {
  return word.length > 0 && tagLength(word, 0) === word.length;
}

const MAX_EXPR_SIZE = 1000;

class ExprParser {
  private i = 0;
  private tok = '';
  private isTag = false;
  private pos = 0;
  private size = 0;

  constructor(private readonly s: string) {}

  parse(): BuildExpr {
    const x = this.or();
    if (this.tok !== '') throw new BuildExprSyntaxError(`unexpected token ${this.tok}`, this.pos);
    return x;
  }

  private or(): BuildExpr {
    let x = this.and();
    while (this.tok === '||') x = { kind: 'or', x, y: this.and() };
    return x;
  }

  private and(): BuildExpr {
    let x = this.not();
    while (this.tok === '&&') x = { kind: 'and', x, y: this.not() };
    return x;
  }

  private not(): BuildExpr {
    if (++this.size > MAX_EXPR_SIZE) throw new BuildExprSyntaxError('build expression too large', this.pos);
    this.lex();
    if (this.tok === '!') {
      this.lex();
      if (this.tok === '!') throw new BuildExprSyntaxError('double negation not allowed', this.pos);
      return { kind: 'not', x: this.atom() };
    }
    return this.atom();
  }

  private atom(): BuildExpr {
    if (this.tok === '(') {
      const open = this.pos;
      let x: BuildExpr;
      try {
        x = this.or();
      } catch (e) {
        if (e instanceof BuildExprSyntaxError && e.message === 'unexpected end of expression') {
          throw new BuildExprSyntaxError('missing close paren', e.offset);
        }
        throw e;
      }
      if (this.current() !== ')') throw new BuildExprSyntaxError('missing close paren', open);
      this.lex();
      return x;
    }
    if (!this.isTag) {
      if (this.tok === '') throw new BuildExprSyntaxError('unexpected end of expression', this.pos);
      throw new BuildExprSyntaxError(`unexpected token ${this.tok}`, this.pos);
    }
    const tag = this.tok;
    this.lex();
    return { kind: 'tag', tag };
  }

  /** The current token, read through a call because parsing advances it. */
  private current(): string {
    return this.tok;
  }

  private lex(): void {
    const s = this.s;
    this.isTag = false;
    while (this.i < s.length && (s[this.i] === ' ' || s[this.i] === '\t')) this.i++;
    if (this.i >= s.length) {
      this.tok = '';
      this.pos = this.i;
      return;
    }
    const c = s[this.i];
    if (c === '(' || c === ')' || c === '!') {
      this.pos = this.i++;
      this.tok = c;
      return;
    }
    if (c === '&' || c === '|') {
      if (s[this.i + 1] !== c) throw new BuildExprSyntaxError(`invalid syntax at ${c}`, this.i);
      this.pos = this.i;
      this.i += 2;
      this.tok = c + c;
      return;
    }
    const len = tagLength(s, this.i);
    if (len === 0) {
      throw new BuildExprSyntaxError(`invalid syntax at ${String.fromCodePoint(s.codePointAt(this.i) as number)}`, this.i);
    }
    this.pos = this.i;
    this.i += len;
    this.tok = s.slice(this.pos, this.i);
    this.isTag = true;
  }
}

/**
 * Parses a `//go:build` expression (the text after `//go:build`). Operators by
 * increasing binding: `||`, `&&`, `!`; parentheses group. Throws
 * BuildExprSyntaxError on malformed input.
 */
export function parseBuildExpr(expr: string): BuildExpr {
  return new ExprParser(expr).parse();
}

// ---------------------------------------------------------------------------
// // +build lines

const MAX_PLUS_BUILD_SIZE = 100;
const IGNORE: BuildExpr = { kind: 'tag', tag: 'ignore' };

/** Splits on runs of white space. */
function fields(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isGoSpace(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isGoSpace(text.charCodeAt(i))) i++;
    if (i > start) out.push(text.slice(start, i));
  }
  return out;
}

/** The expression of one `// +build` line body, or undefined when it is too complex to be honoured. */
function parsePlusBuildBody(text: string): BuildExpr | undefined {
  let size = 0;
  let x: BuildExpr | undefined;
  for (const clause of fields(text)) {
    let y: BuildExpr | undefined;
    for (let lit of clause.split(',')) {
      let z: BuildExpr;
      if (lit.startsWith('!!') || lit === '!') {
        z = IGNORE;
      } else {
        const neg = lit.startsWith('!');
        if (neg) lit = lit.slice(1);
        z = isValidTag(lit) ? { kind: 'tag', tag: lit } : IGNORE;
        if (neg) z = { kind: 'not', x: z };
      }
      if (y === undefined) {
        y = z;
      } else {
        if (++size > MAX_PLUS_BUILD_SIZE) return undefined;
        y = { kind: 'and', x: y, y: z };
      }
    }
    if (x === undefined) {
      x = y as BuildExpr;
    } else {
      if (++size > MAX_PLUS_BUILD_SIZE) return undefined;
      x = { kind: 'or', x, y: y as BuildExpr };
    }
  }
  return x ?? IGNORE;
}

/**
 * Combines the bodies of legacy `// +build` lines (the text after `+build`,
 * as in GoFileHeader.plusBuild) into one expression: within a line, space
 * separates alternatives (OR) and comma separates required terms (AND), `!`
 * negates a term; the lines are ANDed. An empty body, a malformed term or `!!`
 * stands for the never-set tag `ignore`. A line with more than 100 operators
 * is disregarded, as the go command does. Returns undefined when no line
 * remains (no constraint).
 */
export function parsePlusBuildLines(lines: string[]): BuildExpr | undefined {
  let result: BuildExpr | undefined;
  for (const body of lines) {
    const x = parsePlusBuildBody(body);
    if (x === undefined) continue;
    result = result === undefined ? x : { kind: 'and', x: result, y: x };
  }
  return result;
}

// ---------------------------------------------------------------------------
// Evaluation

export function evalBuildExpr(ast: BuildExpr, hasTag: (tag: string) => boolean): boolean {
  switch (ast.kind) {
    case 'tag':
      return hasTag(ast.tag);
    case 'not':
      return !evalBuildExpr(ast.x, hasTag);
    case 'and':
      return evalBuildExpr(ast.x, hasTag) && evalBuildExpr(ast.y, hasTag);
    case 'or':
      return evalBuildExpr(ast.x, hasTag) || evalBuildExpr(ast.y, hasTag);
  }
}

/** Renders an expression in canonical `//go:build` syntax (minimal parentheses). */
export function formatBuildExpr(ast: BuildExpr): string {
  switch (ast.kind) {
    case 'tag':
      return ast.tag;
    case 'not': {
      const s = formatBuildExpr(ast.x);
      return ast.x.kind === 'and' || ast.x.kind === 'or' ? `!(${s})` : `!${s}`;
    }
    case 'and':
      return `${operand(ast.x, 'or')} && ${operand(ast.y, 'or')}`;
    case 'or':
      return `${operand(ast.x, 'and')} || ${operand(ast.y, 'and')}`;
  }
}

function operand(x: BuildExpr, parenthesize: 'and' | 'or'): string {
  const s = formatBuildExpr(x);
  return x.kind === parenthesize ? `(${s})` : s;
}

// ---------------------------------------------------------------------------
// Target tags

/** Minor version of a Go 1.x release string ("1.26", "go1.26.3", "1.26rc1"). */
function goMinor(version: string): number {
  const m = /^(?:go)?1\.(\d+)/.exec(version.trim());
  if (!m) throw new Error(`unsupported Go version "${version}" (expected 1.N)`);
  return Number(m[1]);
}

/**
 * The build tags satisfied when building for `target`: GOOS and GOARCH (plus
 * linux for android, solaris for illumos, darwin for ios), `unix` for Unix-like
 * GOOS, the compiler `gc`, the default architecture level tags (e.g.
 * amd64.v1), `cgo` when enabled, release tags go1.1 … go1.N and the extra
 * tags. `ignore` is never added.
 */
export function platformTags(target: BuildTarget): Set<string> {
  const tags = new Set<string>([target.goos, target.goarch, 'gc']);
  const implied = IMPLIED_OS[target.goos];
  if (implied) tags.add(implied);
  if (UNIX_OS.has(target.goos)) tags.add('unix');
  for (const t of DEFAULT_ARCH_LEVEL_TAGS[target.goarch] ?? []) tags.add(t);
  if (target.cgoEnabled) tags.add('cgo');
  const minor = goMinor(target.goVersion);
  for (let i = 1; i <= minor; i++) tags.add(`go1.${i}`);
  for (const t of target.extraTags ?? []) tags.add(t);
  // boringcrypto is the old spelling of goexperiment.boringcrypto.
  if (tags.has('goexperiment.boringcrypto')) tags.add('boringcrypto');
  return tags;
}

// ---------------------------------------------------------------------------
// File names

/**
 * The GOOS/GOARCH file-name rule. After cutting the name at its first `.` and
 * dropping everything before the first `_` and a final `_test`, a last element
 * naming a known GOOS or GOARCH (or a known GOOS followed by a known GOARCH)
 * must be satisfied. `linux.go` carries no constraint (nothing before the `_`),
 * neither does an unknown suffix such as `foo_bar.go`.
 */
function fileNameAllows(fileName: string, tags: ReadonlySet<string>): boolean {
  const dot = fileName.indexOf('.');
  const stemEnd = dot < 0 ? fileName.length : dot;
  const first = fileName.indexOf('_');
  if (first < 0 || first >= stemEnd) return true;
  // Elements are the '_'-separated parts after the first '_': (first, stemEnd).
  let end = stemEnd;
  let cut = fileName.lastIndexOf('_', end - 1);
  if (end - cut - 1 === 4 && fileName.startsWith('test', cut + 1)) {
    if (cut === first) return true;
    end = cut;
    cut = fileName.lastIndexOf('_', end - 1);
  }
  const last = fileName.slice(cut + 1, end);
  if (cut > first) {
    const prevCut = fileName.lastIndexOf('_', cut - 1);
    const prev = fileName.slice(prevCut + 1, cut);
    if (KNOWN_OS.has(prev) && KNOWN_ARCH.has(last)) return tags.has(last) && tags.has(prev);
  }
  if (KNOWN_OS.has(last) || KNOWN_ARCH.has(last)) return tags.has(last);
  return true;
}

/** Names starting with `_` or `.` are never part of a package. */
function isIgnoredName(fileName: string): boolean {
  return fileName.startsWith('_') || fileName.startsWith('.');
}

/**
 * Whether the go tool considers `fileName` for GOOS/GOARCH: false for names
 * starting with `_` or `.`, otherwise the `_GOOS`, `_GOARCH`, `_GOOS_GOARCH`
 * suffix rule (a `_test` suffix is stripped first; an android, illumos or ios
 * target also matches linux, solaris or darwin suffixes).
 */
export function matchesFileName(fileName: string, goos: string, goarch: string): boolean {
  if (isIgnoredName(fileName)) return false;
  const tags = new Set([goos, goarch]);
  const implied = IMPLIED_OS[goos];
  if (implied) tags.add(implied);
  return fileNameAllows(fileName, tags);
}

// ---------------------------------------------------------------------------
// File inclusion

let cachedFields: [string, string, boolean, string, string[] | undefined, number] | undefined;
let cachedTags: Set<string> | undefined;
const tagSets = new Map<string, Set<string>>();

/**
 * The tag set of `target`: the previous call's set while the same field values
 * are passed, else one remembered by value (a few targets are typically used
 * in turn), else computed.
 */
function tagsFor(target: BuildTarget): Set<string> {
  const f = cachedFields;
  const extra = target.extraTags;
  const extraCount = extra ? extra.length : 0;
  if (
    cachedTags !== undefined &&
    f !== undefined &&
    f[0] === target.goos &&
    f[1] === target.goarch &&
    f[2] === target.cgoEnabled &&
    f[3] === target.goVersion &&
    f[4] === extra &&
    f[5] === extraCount
  ) {
    return cachedTags;
  }
  const key = `${target.goos}/${target.goarch}/${target.cgoEnabled ? 1 : 0}/${target.goVersion}/${extra ? extra.join(',') : ''}`;
  let tags = tagSets.get(key);
  if (tags === undefined) {
    if (tagSets.size >= 64) tagSets.clear();
    tags = platformTags(target);
    tagSets.set(key, tags);
  }
  cachedTags = tags;
  cachedFields = [target.goos, target.goarch, target.cgoEnabled, target.goVersion, extra, extraCount];
  return tags;
}

/** Whether a header's build constraint is satisfied; a malformed `//go:build` line excludes the file. */
export function constraintAllows(header: GoFileHeader, hasTag: (tag: string) => boolean): boolean {
  if (header.error === MULTIPLE_GO_BUILD_ERROR) return false;
  if (header.buildConstraint !== undefined) {
    let ast: BuildExpr;
    try {
      ast = parseBuildExpr(header.buildConstraint);
    } catch {
      return false;
    }
    return evalBuildExpr(ast, hasTag);
  }
  if (header.plusBuild.length === 0) return true;
  const ast = parsePlusBuildLines(header.plusBuild);
  return ast === undefined || evalBuildExpr(ast, hasTag);
}

/**
 * Whether `go build` for `target` compiles this .go file into its package (or
 * its test): the name rules, the build constraint (`//go:build` takes
 * precedence over `// +build`), and cgo — a non-test file importing "C" is left
 * out when cgo is disabled. A file the go command cannot read (a NUL byte in
 * its header) or whose constraint is malformed (unparsable or repeated
 * `//go:build` line) is left out too; the go command reports it as invalid.
 * A file whose package clause names `documentation` is ignored, as the go
 * command does.
 *
 * Targets are meant to be immutable; the tag set is reused while the same
 * field values are passed.
 */
export function fileIncluded(fileName: string, header: GoFileHeader, target: BuildTarget): boolean {
  if (isIgnoredName(fileName) || !fileName.endsWith('.go')) return false;
  const tags = tagsFor(target);
  if (!fileNameAllows(fileName, tags)) return false;
  if (header.error === NUL_ERROR) return false;
  if (
    (header.buildConstraint !== undefined || header.plusBuild.length > 0 || header.error !== undefined) &&
    !constraintAllows(header, (tag) => tags.has(tag))
  ) {
    return false;
  }
  if (header.packageName === 'documentation') return false;
  // go/build records no imports from a file whose header does not parse, so such a file is not treated as cgo.
  if (header.importsC && header.error === undefined && !target.cgoEnabled && !fileName.endsWith('_test.go')) return false;
  return true;
}
