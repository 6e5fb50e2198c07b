import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file';

/** What docker-build records about the image it built: the target's cached output, read by the other executors. */
export interface ImageMetadata {
  projectName: string;
  /** Image id (`sha256:…`). */
  id: string;
  tags: string[];
  /** Bytes, as the engine reports. */
  size: number;
  labels: Record<string, string>;
  dockerfile: string;
  context: string;
  contextBytes: number;
  contextFiles: number;
  buildSeconds: number;
  builtAt: string;
  engine: string;
  /** How docker-build made it: a Dockerfile build (`multistage`) or an archive around a host-built binary (`prebuilt`). */
  mode?: 'multistage' | 'prebuilt';
  /** The Nx hash of the docker-build task that built it (also the image label `org.go.nx.inputs-hash`); absent outside Nx's task runner. */
  inputsHash?: string;
  /** From docker-push's record (push.json): `repository@sha256:…` per repository pushed to, to pull by digest elsewhere. */
  repoDigests?: string[];
  /** From docker-push's record (push.json): the manifest digest of every pushed reference. */
  digests?: Record<string, string>;
  pushedAt?: string;
}

/**
 * What docker-push pushed, kept beside image.json in `push.json`, a file of its own: image.json is
 * docker-build's cached output, which Nx restores as docker-build wrote it whenever it replays the
 * build, so a push written into it would be lost on the next replay.
 */
export interface PushRecord {
  projectName: string;
  /** The image that was pushed; the record counts only while image.json records the same id. */
  id: string;
  repoDigests: string[];
  digests: Record<string, string>;
  pushedAt: string;
}

/** `dist/<projectRoot>/docker/image.json`, workspace-relative. */
export function imageMetadataPath(projectRoot: string): string {
  return join('dist', projectRoot, 'docker', 'image.json');
}

/** `dist/<projectRoot>/docker/push.json`, workspace-relative. */
export function pushRecordPath(projectRoot: string): string {
  return join('dist', projectRoot, 'docker', 'push.json');
}

/** Writes docker-push's record of the image it pushed. */
export function writePushRecord(workspaceRoot: string, projectRoot: string, record: PushRecord): string {
  const file = join(workspaceRoot, pushRecordPath(projectRoot));
  writeJsonFile(file, record);
  return file;
}

/**
 * image.json with docker-push's record laid over it when push.json describes the same image
 * (a record of another image, or an unreadable one, is ignored: that image is not this one).
 */
export function withPushRecord(metadata: ImageMetadata, record: Partial<PushRecord> | undefined): ImageMetadata {
  if (!record || record.id !== metadata.id || record.projectName !== metadata.projectName || !Array.isArray(record.repoDigests)) return metadata;
  return {
    ...metadata,
    repoDigests: [...new Set([...(metadata.repoDigests ?? []), ...record.repoDigests])],
    digests: { ...metadata.digests, ...record.digests },
    pushedAt: record.pushedAt ?? metadata.pushedAt,
  };
}

/** Writes through a temporary file so a crash never leaves half a file. */
export function writeImageMetadata(workspaceRoot: string, projectRoot: string, metadata: ImageMetadata): string {
  const file = join(workspaceRoot, imageMetadataPath(projectRoot));
  writeJsonFile(file, metadata);
  return file;
}

/** Reads and checks image.json, with docker-push's record of the same image (push.json); errors say which build target to run. */
export function readImageMetadata(workspaceRoot: string, projectRoot: string, projectName: string): ImageMetadata {
  const relativePath = imageMetadataPath(projectRoot);
  const file = join(workspaceRoot, relativePath);
  if (!existsSync(file)) {
    throw new Error(`No image is recorded for ${projectName}: ${relativePath} is missing. Run "nx run ${projectName}:docker-build" first.`);
  }
  let parsed: Partial<ImageMetadata>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ImageMetadata>;
  } catch {
    throw new Error(`${relativePath} is not valid JSON. Delete it and run "nx run ${projectName}:docker-build --skip-nx-cache".`);
  }
  if (typeof parsed.id !== 'string' || !parsed.id.startsWith('sha256:') || !Array.isArray(parsed.tags)) {
    throw new Error(`${relativePath} has no image id or tags. Delete it and run "nx run ${projectName}:docker-build --skip-nx-cache".`);
  }
  if (parsed.projectName !== projectName) {
    throw new Error(
      `${relativePath} records an image of "${parsed.projectName}", not "${projectName}". Delete it and run "nx run ${projectName}:docker-build --skip-nx-cache".`,
    );
  }
  return withPushRecord(parsed as ImageMetadata, readJsonFile<Partial<PushRecord>>(join(workspaceRoot, pushRecordPath(projectRoot))));
}
