import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonFile } from '../utils/json-file';
import type { PlannedTag } from './tag-set';
import type { VersionChannel, VersionSource } from './version';

/** What docker-tag planned and applied, read by docker-push: `dist/<projectRoot>/docker/tags.json`. */
export interface TagsFile {
  projectName: string;
  /** The image every tag points at. */
  imageId: string;
  version: string;
  channel: VersionChannel;
  source: VersionSource;
  reason: string;
  gitSha?: string;
  branch?: string;
  repository: string;
  tags: PlannedTag[];
  skipped: { template: string; reason: string }[];
  /** The git tag a release of this version gets (docker-push --gitTag); absent for development builds. */
  gitTag?: string;
  taggedAt: string;
}

export function tagsFilePath(projectRoot: string): string {
  return join('dist', projectRoot, 'docker', 'tags.json');
}

export function writeTagsFile(workspaceRoot: string, projectRoot: string, plan: TagsFile): string {
  const file = join(workspaceRoot, tagsFilePath(projectRoot));
  writeJsonFile(file, plan);
  return file;
}

/** Reads tags.json; it must describe `imageId`, the image docker-build recorded, or docker-tag has to run again. */
export function readTagsFile(workspaceRoot: string, projectRoot: string, projectName: string, imageId: string): TagsFile {
  const relativePath = tagsFilePath(projectRoot);
  const file = join(workspaceRoot, relativePath);
  const rerun = `Run "nx run ${projectName}:docker-tag".`;
  if (!existsSync(file)) throw new Error(`No tags are planned for ${projectName}: ${relativePath} is missing. ${rerun}`);
  let parsed: Partial<TagsFile>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<TagsFile>;
  } catch {
    throw new Error(`${relativePath} is not valid JSON. ${rerun}`);
  }
  if (parsed.projectName !== projectName || !Array.isArray(parsed.tags) || typeof parsed.imageId !== 'string' || typeof parsed.repository !== 'string') {
    throw new Error(`${relativePath} is not a tag plan of ${projectName}. ${rerun}`);
  }
  if (parsed.imageId !== imageId) {
    throw new Error(`${relativePath} tags image ${parsed.imageId.slice(0, 19)}, but the last build of ${projectName} is ${imageId.slice(0, 19)}. ${rerun}`);
  }
  return parsed as TagsFile;
}
