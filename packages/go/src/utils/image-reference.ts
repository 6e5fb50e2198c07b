/**
 * Docker's reference grammar (distribution/reference), simplified: an optional registry host[:port],
 * lowercase path components separated by `.`, `_`, `__` or `-`, and a tag of up to 128 word characters.
 */
const REFERENCE = /^(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::[0-9]+)?\/|localhost(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function isValidReference(reference: string): boolean {
  return reference.length <= 255 && REFERENCE.test(reference);
}

/** A tag alone (the part after `:`): word characters, `.` and `-`, at most 128, not starting with `.` or `-`. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** A branch name as a tag: `feature/Login#2` → `feature-login-2` (Docker tags allow `[\w.-]`, 128 chars, no leading `.`/`-`). */
export function sanitizeTagPart(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 128);
}

/**
 * The registry host of a repository name, as the engine decides it: the first path component when it
 * looks like a host (has a `.` or `:`, or is `localhost`), else Docker Hub.
 */
export function registryHostOf(repository: string): { host: string; path: string } {
  const slash = repository.indexOf('/');
  const first = slash >= 0 ? repository.slice(0, slash) : '';
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first, path: repository.slice(slash + 1) };
  }
  return { host: 'docker.io', path: repository.includes('/') ? repository : `library/${repository}` };
}
