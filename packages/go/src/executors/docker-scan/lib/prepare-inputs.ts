import type { ImageInspectInfo } from 'dockerode';
import { join, posix, relative, resolve } from 'node:path';
import type { DockerClient } from '../../../docker';
import type { ProjectLocation } from '../../../utils/executor-context';
import type { ScanInputKind, ScanRequest } from './scanners/types';

/** The Go binary an image runs: its ENTRYPOINT (or CMD) when that is an absolute path. */
export function imageBinaryPath(image: ImageInspectInfo, projectName: string): string {
  const first = image.Config?.Entrypoint?.[0] ?? image.Config?.Cmd?.[0];
  if (!first || !first.startsWith('/')) {
    throw new Error(
      `The image of ${projectName} has no absolute ENTRYPOINT (found ${JSON.stringify(image.Config?.Entrypoint ?? image.Config?.Cmd ?? null)}), so the Go binary cannot be found. ` +
        `Set "binaryPath" to the binary's path inside the image, e.g. --binaryPath=/${projectName}.`,
    );
  }
  return first;
}

/** `./...` under the project, relative to its module root: what govulncheck's source mode analyses. */
export function sourcePackages(location: ProjectLocation, moduleRoot: string): { moduleRoot: string; packages: string } {
  const moduleDir = resolve(location.workspaceRoot, moduleRoot);
  const rel = relative(moduleDir, resolve(location.workspaceRoot, location.projectRoot)).split('\\').join('/');
  return { moduleRoot: moduleDir, packages: rel ? `./${posix.join(rel, '...')}` : './...' };
}

export interface PreparedInputs {
  binaryPath?: string;
  archivePath?: string;
  source?: ScanRequest['source'];
  /** What was scanned, in words, for the report. */
  scanned: string;
}

/** Takes out of the engine what the scanner needs: the Go binary, or a `docker save` archive. */
export async function prepareInputs(
  client: DockerClient,
  image: ImageInspectInfo,
  needs: ScanInputKind[],
  workDir: string,
  context: { location: ProjectLocation; binaryPath?: string; source?: ScanRequest['source'] },
): Promise<PreparedInputs> {
  const shortId = image.Id.slice(0, 19);
  if (context.source) return { source: context.source, scanned: `source ${context.source.packages} in ${relative(context.location.workspaceRoot, context.source.moduleRoot) || '.'}` };
  const prepared: PreparedInputs = { scanned: `image ${shortId}` };
  if (needs.includes('binary')) {
    const inImage = context.binaryPath ?? imageBinaryPath(image, context.location.projectName);
    const onHost = join(workDir, 'binary', posix.basename(inImage));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(workDir, 'binary'), { recursive: true });
    try {
      await client.copyFileFromImage(image.Id, inImage, onHost);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new Error(`Could not take ${inImage} out of image ${shortId}: ${(err as Error).message}. The scan copies it to ${workDir}: free some space there, or point TMPDIR at a folder with room.`);
      }
      throw new Error(`Could not take ${inImage} out of image ${shortId}: ${(err as Error).message}. Set "binaryPath" to the Go binary's path inside the image.`);
    }
    prepared.binaryPath = onHost;
    prepared.scanned = `binary ${inImage} of image ${shortId}`;
  }
  if (needs.includes('archive')) {
    const archive = join(workDir, 'image.tar');
    await client.saveImage(image.Id, archive);
    prepared.archivePath = archive;
    if (!needs.includes('binary')) prepared.scanned = `image ${shortId} (saved archive)`;
  }
  return prepared;
}
