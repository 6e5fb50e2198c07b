import { isValidReference, sanitizeTagPart } from '../../../utils/image-reference';

/** Values the tag templates may use. A missing value skips the tags that need it. */
export interface TagVariables {
  projectName: string;
  gitSha?: string;
  branch?: string;
  version?: string;
}

export { isValidReference, sanitizeTagPart } from '../../../utils/image-reference';

export interface ResolvedTags {
  tags: string[];
  /** Templates left out because a placeholder had no value, with the reason. */
  skipped: { template: string; missing: string }[];
}

/** Fills tag templates; rejects results that are not valid Docker references. */
export function resolveTags(templates: string[], vars: TagVariables): ResolvedTags {
  const values: Record<string, string | undefined> = {
    projectName: vars.projectName,
    gitSha: vars.gitSha,
    branch: vars.branch ? sanitizeTagPart(vars.branch) || undefined : undefined,
    version: vars.version,
  };
  const tags: string[] = [];
  const skipped: ResolvedTags['skipped'] = [];
  for (const template of templates) {
    let missing: string | undefined;
    const tag = template.replace(/\{(\w+)\}/g, (_, key: string) => {
      if (!(key in values)) {
        throw new Error(`Unknown placeholder {${key}} in tag "${template}". Use {projectName}, {gitSha}, {branch} or {version}.`);
      }
      const value = values[key];
      if (value === undefined) missing = key;
      return value ?? '';
    });
    if (missing) {
      skipped.push({ template, missing });
      continue;
    }
    if (!isValidReference(tag)) {
      throw new Error(
        `Tag "${tag}" (from "${template}") is not a valid Docker image reference. Use lowercase names and tags of letters, digits, ".", "_" and "-", e.g. "orders:1.2.3".`,
      );
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  return { tags, skipped };
}
