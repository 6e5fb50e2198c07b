import type { ProjectVersion } from '../../../release/project-version';
import { formatGitTag } from '../../../release/tag-patterns';
import type { TagSet } from '../../../release/tag-set';
import type { TagsFile } from '../../../release/tags-file';

/** The plan docker-tag prints, applies and records. */
export function buildTagPlan(input: {
  projectName: string;
  projectRoot: string;
  imageId: string;
  repository: string;
  gitTagPattern: string;
  version: ProjectVersion;
  tagSet: TagSet;
  now: Date;
}): TagsFile {
  const { resolved, git } = input.version;
  const released = resolved.channel !== 'dev' && git.sha !== undefined;
  return {
    projectName: input.projectName,
    imageId: input.imageId,
    version: resolved.version,
    channel: resolved.channel,
    source: resolved.source,
    reason: resolved.reason,
    gitSha: git.sha,
    branch: input.version.branch,
    repository: input.repository,
    tags: input.tagSet.tags,
    skipped: input.tagSet.skipped,
    gitTag: released ? formatGitTag(input.gitTagPattern, { projectName: input.projectName, projectRoot: input.projectRoot }, resolved.version) : undefined,
    taggedAt: input.now.toISOString(),
  };
}

/** The plan as lines for the terminal: version and why, then each tag (immutable ones first, as they are pushed). */
export function describePlan(plan: TagsFile): string[] {
  const width = Math.max(...plan.tags.map((tag) => tag.reference.length));
  const lines = [`${plan.projectName} ${plan.version} (${plan.channel}; ${plan.source}: ${plan.reason})`];
  for (const tag of [...plan.tags.filter((t) => !t.mutable), ...plan.tags.filter((t) => t.mutable)]) {
    lines.push(`  ${tag.reference.padEnd(width)}  ${tag.mutable ? 'moving' : 'immutable'}`);
  }
  for (const skipped of plan.skipped) lines.push(`  (not tagged: ${skipped.template} — ${skipped.reason})`);
  return lines;
}
