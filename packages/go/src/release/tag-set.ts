import { gt, major, minor, patch, prerelease, valid } from 'semver';
import { isValidReference, isValidTag, sanitizeTagPart } from '../utils/image-reference';
import { channelOf } from './version';

/** Tags of a release: the version, the moving `X.Y`, `X` and `latest`, and the commit. */
export const DEFAULT_RELEASE_TAGS = ['{version}', '{major}.{minor}', '{major}', 'latest', 'sha-{shortSha}'];
/** Tags of a pre-release: never a moving version tag, never `latest`. */
export const DEFAULT_PRERELEASE_TAGS = ['{version}', 'sha-{shortSha}'];
export const BRANCH_TAG = '{branch}';

const PLACEHOLDERS = ['version', 'major', 'minor', 'patch', 'prerelease', 'sha', 'shortSha', 'branch', 'projectName'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
/** A tag made with one of these names one build; tags without them move from build to build. */
const IMMUTABLE_PLACEHOLDERS: Placeholder[] = ['version', 'sha', 'shortSha'];

export interface TagSetInputs {
  projectName: string;
  version: string;
  /** Full repository, e.g. `127.0.0.1:5055/team/orders`. */
  repository: string;
  sha?: string;
  shortSha?: string;
  branch?: string;
  /** Templates for releases and for pre-releases (defaults above). */
  releaseTags?: string[];
  prereleaseTags?: string[];
  /** Add the sanitized branch name as a tag. */
  branchTags?: boolean;
  /** Released versions of the project known from tags: moving tags never move back to an older version. */
  knownVersions?: string[];
}

export interface PlannedTag {
  tag: string;
  /** `repository:tag`. */
  reference: string;
  /** Moving tags (`latest`, `1.4`, a branch) are pushed only after every immutable one. */
  mutable: boolean;
  template: string;
}

export interface TagSet {
  tags: PlannedTag[];
  /** Templates left out, with why. */
  skipped: { template: string; reason: string }[];
}

function placeholdersOf(template: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const key = match[1];
    if (!(PLACEHOLDERS as readonly string[]).includes(key)) {
      throw new Error(`Unknown placeholder {${key}} in tag template "${template}". Use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`);
    }
    found.push(key as Placeholder);
  }
  return found;
}

/** The branch as a tag, or an error that says why it cannot be one. */
export function branchTag(branch: string | undefined): string {
  if (!branch) {
    throw new Error('Branch tags need a branch, and HEAD is detached here. Pass --branch=<name> (CI: the branch being built).');
  }
  const tag = sanitizeTagPart(branch);
  if (!tag || !isValidTag(tag)) {
    throw new Error(`Branch "${branch}" cannot be made into a Docker tag (nothing of it is left after sanitizing). Rename the branch or pass --branch=<name>.`);
  }
  return tag;
}

/**
 * Whether a moving tag made from `used` would move backwards: `latest` when a higher release exists,
 * `1` when a higher 1.x exists, `1.4` when a higher 1.4.x exists.
 */
function newerRelease(version: string, used: Placeholder[], known: string[]): string | undefined {
  if (used.includes('branch')) return undefined;
  const sameMajor = used.includes('major');
  const sameMinor = used.includes('minor');
  return known.find((candidate) => {
    if (!valid(candidate) || channelOf(candidate) !== 'release') return false;
    if (sameMajor && major(candidate) !== major(version)) return false;
    if (sameMinor && minor(candidate) !== minor(version)) return false;
    return gt(candidate, version);
  });
}

/**
 * The tags of one build. Every tag is checked against Docker's grammar here, before anything is tagged:
 * an invalid template or an un-taggable branch is an error, a tag whose value is unknown (no git
 * commit for `sha-{shortSha}`) or that would mislead (`0` for a 0.x release; `latest` for an older
 * release than one already made) is left out with a reason.
 */
export function planTags(inputs: TagSetInputs): TagSet {
  if (!valid(inputs.version)) throw new Error(`Version "${inputs.version}" is not a semantic version.`);
  const version = inputs.version;
  if (!isValidReference(inputs.repository) || inputs.repository.includes('@') || /:[^/]*$/.test(inputs.repository.split('/').pop() ?? '')) {
    throw new Error(
      `Repository "${inputs.repository}" is not a valid image repository. Use lowercase path components and an optional registry host, e.g. "registry.example.com/team/orders".`,
    );
  }
  const isPrerelease = (prerelease(version)?.length ?? 0) > 0;
  const templates = [...(isPrerelease ? (inputs.prereleaseTags ?? DEFAULT_PRERELEASE_TAGS) : (inputs.releaseTags ?? DEFAULT_RELEASE_TAGS))];
  if (inputs.branchTags && !templates.includes(BRANCH_TAG)) templates.push(BRANCH_TAG);

  const values: Record<Placeholder, () => string | undefined> = {
    // Docker tags have no `+`: build metadata is kept with `_`.
    version: () => version.replace(/\+/g, '_'),
    major: () => String(major(version)),
    minor: () => String(minor(version)),
    patch: () => String(patch(version)),
    prerelease: () => (isPrerelease ? (prerelease(version) ?? []).join('.') : undefined),
    sha: () => inputs.sha,
    shortSha: () => inputs.shortSha,
    branch: () => branchTag(inputs.branch),
    projectName: () => sanitizeTagPart(inputs.projectName),
  };
  const tags: PlannedTag[] = [];
  const skipped: TagSet['skipped'] = [];
  for (const template of templates) {
    const used = placeholdersOf(template);
    const mutable = !used.some((placeholder) => IMMUTABLE_PLACEHOLDERS.includes(placeholder));
    const missing = used.find((placeholder) => values[placeholder]() === undefined);
    if (missing) {
      skipped.push({
        template,
        reason: missing === 'sha' || missing === 'shortSha' ? 'no git commit here' : missing === 'prerelease' ? 'not a pre-release' : `no value for {${missing}}`,
      });
      continue;
    }
    if (mutable && used.includes('major') && !used.includes('minor') && !used.includes('patch') && major(version) === 0) {
      skipped.push({ template, reason: 'a 0.x release: "0" would float across breaking changes' });
      continue;
    }
    if (mutable) {
      const newer = newerRelease(version, used, inputs.knownVersions ?? []);
      if (newer) {
        skipped.push({ template, reason: `${newer} is newer; the tag stays with it` });
        continue;
      }
    }
    const tag = template.replace(/\{(\w+)\}/g, (_, key: Placeholder) => values[key]() ?? '');
    if (!isValidTag(tag)) {
      throw new Error(
        `Tag "${tag}" (from template "${template}") is not a valid Docker tag: use up to 128 letters, digits, "_", "." and "-", not starting with "." or "-".`,
      );
    }
    const reference = `${inputs.repository}:${tag}`;
    if (!isValidReference(reference)) throw new Error(`"${reference}" is not a valid Docker image reference.`);
    if (tags.some((planned) => planned.tag === tag)) continue;
    tags.push({ tag, reference, mutable, template });
  }
  if (tags.length === 0) {
    throw new Error(`No tag could be made for ${inputs.projectName} ${version} (${skipped.map((s) => `${s.template}: ${s.reason}`).join('; ')}).`);
  }
  return { tags, skipped };
}

/** Push order: every immutable tag first, moving tags after, each group in plan order. */
export function pushOrder<T extends { mutable: boolean }>(tags: T[]): T[] {
  return [...tags.filter((tag) => !tag.mutable), ...tags.filter((tag) => tag.mutable)];
}

/**
 * `registry` and `repository` options → the full repository: `registry.example.com` + `team/orders` →
 * `registry.example.com/team/orders`. Without `repository` the project name is used; without `registry`
 * the repository is used as written (it may carry its own host).
 */
export function fullRepository(projectName: string, registry: string | undefined, repository: string | undefined): string {
  if (registry !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(registry)) {
    throw new Error(`Option "registry" (${registry}) is a host[:port], not a URL: write "${registry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '')}".`);
  }
  const host = registry?.replace(/\/+$/, '');
  const repo = (repository ?? projectName.toLowerCase()).replace(/^\/+|\/+$/g, '');
  return host ? `${host}/${repo}` : repo;
}
