import { existsSync, readFileSync } from 'node:fs';

/** One line of an ignore file: `GO-2022-1059 exp:2027-01-31 # reason`. */
export interface IgnoreEntry {
  id: string;
  /** Last day (UTC, inclusive) the entry applies; undefined → no expiry. */
  expires?: string;
  reason?: string;
  line: number;
}

export interface IgnoreList {
  file?: string;
  entries: IgnoreEntry[];
}

const ID = /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9:._]+)+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses the `.trivyignore`-style format: one advisory id per line, optionally `exp:YYYY-MM-DD`
 * (the last day it applies), and a `# reason`. Blank lines and `#` comment lines are skipped.
 * Any other shape is an error naming the line, so a typo never silently ignores nothing.
 */
export function parseIgnoreFile(text: string, file = 'the ignore file'): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const hash = raw.indexOf('#');
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    const reason = hash >= 0 ? raw.slice(hash + 1).trim() || undefined : undefined;
    if (!body) return;
    const [id, ...rest] = body.split(/\s+/);
    if (!ID.test(id)) {
      throw new Error(`${file}:${line}: "${id}" is not an advisory id. Write one id per line, e.g. "GO-2022-1059 exp:2027-01-31 # waiting for the upstream fix".`);
    }
    let expires: string | undefined;
    for (const token of rest) {
      const match = /^exp:(.*)$/.exec(token);
      if (!match || !DATE.test(match[1]) || Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) {
        throw new Error(`${file}:${line}: "${token}" is not understood. After the id only "exp:YYYY-MM-DD" may follow (then "# reason"), e.g. "${id} exp:2027-01-31 # reason".`);
      }
      expires = match[1];
    }
    entries.push({ id, expires, reason, line });
  });
  return entries;
}

/** Reads the ignore file; a missing file is an empty list unless the user named it explicitly. */
export function readIgnoreFile(path: string, explicit: boolean): IgnoreList {
  if (!existsSync(path)) {
    if (explicit) throw new Error(`The ignore file ${path} does not exist. Create it (one advisory id per line) or drop the "ignoreFile" option.`);
    return { entries: [] };
  }
  return { file: path, entries: parseIgnoreFile(readFileSync(path, 'utf8'), path) };
}

/** An entry applies on days up to and including its expiry date (UTC). */
export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  if (!entry.expires) return false;
  return now.toISOString().slice(0, 10) > entry.expires;
}
