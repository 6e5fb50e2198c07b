import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerClient } from '../../../docker';
import { readJsonFile, writeJsonFile } from '../../../utils/json-file';

/**
 * What a build the engine lost in its middle left on that engine: the classic builder's step container
 * that was running then (the engine keeps it, dead, after it comes back). docker-build writes this record
 * when it could not remove the container itself, and the next build on the same engine removes it.
 */
export interface InterruptedBuild {
  /** The engine, as the client names it (`unix:///var/run/docker.sock (DOCKER_HOST)`). */
  engine: string;
  containers: string[];
  at: string;
}

/** `dist/<projectRoot>/docker/interrupted-build.json` (beside image.json, not a cached output). */
export function interruptedBuildPath(workspaceRoot: string, projectRoot: string): string {
  return join(workspaceRoot, 'dist', projectRoot, 'docker', 'interrupted-build.json');
}

/** The engine's address without the note on where it came from: the same engine whichever way it was chosen. */
function engineAddress(endpoint: string): string {
  return endpoint.split(' ')[0];
}

export function recordInterruptedBuild(file: string, engine: string, containers: string[]): void {
  const earlier = readJsonFile<InterruptedBuild>(file);
  const kept = earlier && engineAddress(earlier.engine) === engineAddress(engine) ? earlier.containers : [];
  writeJsonFile(file, { engine, containers: [...new Set([...kept, ...containers])], at: new Date().toISOString() } satisfies InterruptedBuild);
}

/**
 * Removes the step containers an interrupted build left on this engine, and the record. Only containers
 * that are what the record says they are go: not running, and made by the classic builder (whose step
 * containers log nowhere). A record of another engine is kept for the next build there.
 */
export async function removeInterruptedBuildLeftovers(client: DockerClient, file: string): Promise<string[]> {
  if (!existsSync(file)) return [];
  const record = readJsonFile<InterruptedBuild>(file);
  if (record && Array.isArray(record.containers) && engineAddress(String(record.engine)) !== engineAddress(client.endpoint)) return [];
  const removed: string[] = [];
  for (const id of record?.containers ?? []) {
    if (typeof id !== 'string' || !/^[0-9a-f]{12,64}$/.test(id)) continue;
    const info = await client.inspectContainer(id);
    if (!info || info.State.Running || info.HostConfig?.LogConfig?.Type !== 'none') continue;
    await client.stopAndRemoveContainer(info.Id, 0);
    removed.push(id.slice(0, 12));
  }
  rmSync(file, { force: true });
  return removed;
}
