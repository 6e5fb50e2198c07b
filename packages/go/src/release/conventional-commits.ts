import { inc, major, valid } from 'semver';

export type Bump = 'major' | 'minor' | 'patch';

const ORDER: Record<Bump, number> = { patch: 1, minor: 2, major: 3 };

/** `type(scope)!: subject` — the header of a Conventional Commit. */
const HEADER = /^([a-zA-Z]+)(?:\([^()\r\n]*\))?(!)?: \S/;
/** A `BREAKING CHANGE:` (or `BREAKING-CHANGE:`) footer; the spec wants it uppercase. */
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: \S/m;

/**
 * What one commit asks of the version: `feat` → minor, `fix`/`perf` → patch, `!` or a
 * `BREAKING CHANGE:` footer → major. Other types (docs, chore, refactor, …) and messages that are not
 * Conventional Commits ask for nothing.
 */
export function commitBump(message: string): Bump | undefined {
  const header = HEADER.exec(message.trimStart());
  if (!header) return undefined;
  const body = message.trimStart().split(/\r?\n/).slice(1).join('\n');
  if (header[2] === '!' || BREAKING_FOOTER.test(body)) return 'major';
  switch (header[1].toLowerCase()) {
    case 'feat':
      return 'minor';
    case 'fix':
    case 'perf':
      return 'patch';
    default:
      return undefined;
  }
}

/** The largest bump any of the commits asks for. */
export function highestBump(messages: string[]): Bump | undefined {
  let highest: Bump | undefined;
  for (const message of messages) {
    const bump = commitBump(message);
    if (bump && (!highest || ORDER[bump] > ORDER[highest])) highest = bump;
    if (highest === 'major') break;
  }
  return highest;
}

/**
 * Below 1.0.0 the minor number plays the major's part (semver §4: anything may change): a breaking
 * change bumps the minor, a feature the patch. 1.0.0 is made on purpose, with an explicit version.
 */
export function adjustForZeroMajor(bump: Bump, current: string): Bump {
  if (major(current) !== 0) return bump;
  if (bump === 'major') return 'minor';
  if (bump === 'minor') return 'patch';
  return bump;
}

/** `current` bumped (0.x rules applied); a pre-release `current` (1.5.0-rc.2) is first released as its own version. */
export function bumpVersion(current: string, bump: Bump): string {
  if (!valid(current)) throw new Error(`"${current}" is not a semantic version.`);
  const next = inc(current, adjustForZeroMajor(bump, current));
  if (!next) throw new Error(`Cannot bump ${current} by ${bump}.`);
  return next;
}

export function isLargerBump(a: Bump, b: Bump): boolean {
  return ORDER[a] > ORDER[b];
}
