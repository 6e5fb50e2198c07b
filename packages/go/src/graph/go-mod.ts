/**
 * go.mod and go.work text, read without the Go toolchain. Only what the workspace graph needs:
 * the module path, the go version, and `replace` directives that point at local folders.
 */

export interface Replace {
  /** Module path being replaced (a version on the left restricts it; it does not matter locally). */
  from: string;
  /** Local folder, as written (`../libs/money`), for replacements by path; undefined for module replacements. */
  toDir?: string;
}

export interface GoModFile {
  modulePath?: string;
  goVersion?: string;
  replaces: Replace[];
}

/** Splits go.mod text into directive lines, expanding `verb ( … )` blocks into `verb …` lines. */
function directiveLines(text: string): string[] {
  const lines: string[] = [];
  let blockVerb: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (line === '') continue;
    if (blockVerb) {
      if (line === ')') blockVerb = undefined;
      else lines.push(`${blockVerb} ${line}`);
      continue;
    }
    const block = line.match(/^(\w+)\s*\($/);
    if (block) {
      blockVerb = block[1];
      continue;
    }
    lines.push(line);
  }
  return lines;
}

/** Removes a `//` comment that is not inside a quoted or raw string. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

/** Tokens of a directive line; quoted and raw strings are unquoted. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|`([^`]*)`|(=>)|([^\s"`]+)/g;
  for (const match of line.matchAll(re)) {
    if (match[1] !== undefined) out.push(match[1].replace(/\\(.)/g, '$1'));
    else out.push(match[2] ?? match[3] ?? match[4]);
  }
  return out;
}

/** A replacement target is a local path when it starts with `./`, `../` or `/` (go.mod's rule). */
export function isLocalPath(target: string): boolean {
  return target.startsWith('./') || target.startsWith('../') || target.startsWith('/') || target === '.' || target === '..' || /^[A-Za-z]:[\\/]/.test(target);
}

export function parseGoMod(text: string): GoModFile {
  const result: GoModFile = { replaces: [] };
  for (const line of directiveLines(text)) {
    const [verb, ...args] = tokens(line);
    if (verb === 'module' && args[0]) result.modulePath = args[0];
    else if (verb === 'go' && args[0]) result.goVersion = args[0];
    else if (verb === 'replace') {
      const arrow = args.indexOf('=>');
      if (arrow < 1) continue;
      const from = args[0];
      const to = args[arrow + 1];
      if (!to) continue;
      result.replaces.push({ from, toDir: isLocalPath(to) ? to : undefined });
    }
  }
  return result;
}

export interface GoWorkFile {
  goVersion?: string;
  /** `use` folders as written. */
  uses: string[];
  replaces: Replace[];
}

export function parseGoWork(text: string): GoWorkFile {
  const result: GoWorkFile = { uses: [], replaces: [] };
  for (const line of directiveLines(text)) {
    const [verb, ...args] = tokens(line);
    if (verb === 'go' && args[0]) result.goVersion = args[0];
    else if (verb === 'use' && args[0]) result.uses.push(args[0]);
    else if (verb === 'replace') {
      const arrow = args.indexOf('=>');
      const to = args[arrow + 1];
      if (arrow >= 1 && to) result.replaces.push({ from: args[0], toDir: isLocalPath(to) ? to : undefined });
    }
  }
  return result;
}
