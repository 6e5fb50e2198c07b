import { valid } from 'semver';

/**
 * Git tag conventions for a project's releases. `{projectRoot}/v{version}` is how Go versions a module
 * in a subdirectory (`apps/orders/v1.4.2`); `{projectName}@{version}` is nx release's independent default.
 */
export const DEFAULT_GIT_TAG_PATTERNS = ['{projectRoot}/v{version}', '{projectName}@{version}'];

export interface TagPatternValues {
  projectName: string;
  projectRoot: string;
  releaseGroupName?: string;
}

const PLACEHOLDER = /\{(\w+)\}/g;

function fill(pattern: string, values: TagPatternValues): string {
  // A project at the workspace root has no prefix: `{projectRoot}/v{version}` → `v{version}`.
  // (Nx may already have put `.` in for {projectRoot} in target options: `./v{version}`.)
  const rootless = values.projectRoot === '' || values.projectRoot === '.' ? pattern.replace(/\{projectRoot\}\//g, '').replace(/^\.\//, '') : pattern;
  return rootless.replace(PLACEHOLDER, (whole, key: string) => {
    if (key === 'version') return whole;
    const value = key === 'projectName' ? values.projectName : key === 'projectRoot' ? values.projectRoot : key === 'releaseGroupName' ? values.releaseGroupName : undefined;
    if (value === undefined) {
      throw new Error(`Unknown placeholder {${key}} in git tag pattern "${pattern}". Use {projectName}, {projectRoot}, {releaseGroupName} and {version}.`);
    }
    return value;
  });
}

function checkPattern(pattern: string): void {
  if (pattern.split('{version}').length !== 2) {
    throw new Error(`Git tag pattern "${pattern}" must contain {version} exactly once, e.g. "{projectRoot}/v{version}".`);
  }
}

/** The git tag of `version` under `pattern`, e.g. `apps/orders/v1.4.2`. */
export function formatGitTag(pattern: string, values: TagPatternValues, version: string): string {
  checkPattern(pattern);
  return fill(pattern, values).replace('{version}', version);
}

/** Reads the version out of a tag that follows `pattern`; undefined for other tags and non-semver versions. */
export function tagVersionParser(pattern: string, values: TagPatternValues): (tag: string) => string | undefined {
  checkPattern(pattern);
  const [before, after] = fill(pattern, values).split('{version}');
  return (tag) => {
    if (!tag.startsWith(before) || !tag.endsWith(after) || tag.length <= before.length + after.length) return undefined;
    const version = tag.slice(before.length, tag.length - after.length);
    // Strict: `v1.4.2` inside `{version}` or `1.4` are not versions of this pattern.
    return valid(version) === version ? version : undefined;
  };
}

/** A tag of the project and the version it names. */
export interface TaggedVersion {
  tag: string;
  version: string;
}

/** The tags among `tags` that name versions of the project under any of `patterns`. */
export function projectTagVersions(tags: string[], patterns: string[], values: TagPatternValues): TaggedVersion[] {
  const parsers = patterns.map((pattern) => tagVersionParser(pattern, values));
  const found: TaggedVersion[] = [];
  for (const tag of tags) {
    for (const parse of parsers) {
      const version = parse(tag);
      if (version) {
        found.push({ tag, version });
        break;
      }
    }
  }
  return found;
}

/** The parts of nx.json `release` this plugin reads; older Nx versions wrote `releaseTagPattern`. */
export interface NxReleaseLike {
  projects?: string[] | string;
  projectsRelationship?: 'fixed' | 'independent';
  releaseTag?: { pattern?: string };
  releaseTagPattern?: string;
  groups?: Record<
    string,
    { projects: string[] | string; projectsRelationship?: 'fixed' | 'independent'; releaseTag?: { pattern?: string }; releaseTagPattern?: string }
  >;
}

function matchesProjectList(list: string[] | string | undefined, projectName: string): boolean {
  if (list === undefined) return true;
  const entries = Array.isArray(list) ? list : [list];
  return entries.some((entry) => {
    if (entry === projectName || entry === '*') return true;
    if (!entry.includes('*')) return false;
    const regex = new RegExp(`^${entry.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return regex.test(projectName);
  });
}

/**
 * The release tag pattern nx release uses for `projectName`, with its defaults: `v{version}` for a fixed
 * workspace, `{releaseGroupName}-v{version}` for a fixed group, `{projectName}@{version}` when independent.
 * Undefined when the workspace does not configure nx release or the project is not released by it.
 */
export function nxReleaseTagPattern(release: NxReleaseLike | undefined, projectName: string): { pattern: string; releaseGroupName?: string } | undefined {
  if (!release) return undefined;
  const rootPattern = release.releaseTag?.pattern ?? release.releaseTagPattern;
  const rootRelationship = release.projectsRelationship ?? 'fixed';
  if (release.groups && Object.keys(release.groups).length > 0) {
    for (const [name, group] of Object.entries(release.groups)) {
      if (!matchesProjectList(group.projects, projectName)) continue;
      const own = group.releaseTag?.pattern ?? group.releaseTagPattern;
      const relationship = group.projectsRelationship ?? rootRelationship;
      const pattern =
        own ??
        (relationship === 'independent'
          ? rootPattern?.includes('{projectName}')
            ? rootPattern
            : '{projectName}@{version}'
          : (rootPattern ?? '{releaseGroupName}-v{version}'));
      return { pattern, releaseGroupName: name };
    }
    return undefined;
  }
  if (!matchesProjectList(release.projects, projectName)) return undefined;
  return { pattern: rootPattern ?? (rootRelationship === 'independent' ? '{projectName}@{version}' : 'v{version}'), releaseGroupName: '__default__' };
}
