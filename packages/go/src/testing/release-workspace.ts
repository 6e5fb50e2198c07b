import type { ExecutorContext } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createBuildContext, type DockerClient } from '../docker';
import { writeImageMetadata } from '../utils/image-metadata';
import { executorContext } from './workspace';

/**
 * A workspace in a real git repository with one service whose image is `FROM scratch` plus a payload:
 * built in well under a second, and unique per build, so every spec has an image of its own.
 */
export interface ReleaseWorkspace {
  root: string;
  projectName: string;
  projectRoot: string;
  context: ExecutorContext;
  git(...args: string[]): string;
  /** Writes a file (workspace-relative) and commits it; returns the new HEAD. */
  commit(path: string, content: string, message: string): string;
  /** Builds the image as docker-build would (tagged `<project>:latest`) and records it in image.json. */
  build(payloadBytes?: number): Promise<string>;
  /** Removes every image built here, with all their tags, and the folder. */
  cleanup(): Promise<void>;
}

export async function createReleaseWorkspace(client: DockerClient, projectName: string): Promise<ReleaseWorkspace> {
  const root = mkdtempSync(join(tmpdir(), 'org-go-release-'));
  const projectRoot = `apps/${projectName}`;
  const built: string[] = [];
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  // The payload changes per build so that every build is a new image; git does not track it.
  write('.gitignore', 'dist/\npayload\n');
  write(`${projectRoot}/Dockerfile`, 'FROM scratch\nCOPY payload /payload\n');
  write(`${projectRoot}/.dockerignore`, 'Dockerfile\n');
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'tag.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'chore: start');

  return {
    root,
    projectName,
    projectRoot,
    context: executorContext(root, projectName, projectRoot),
    git,
    commit: (path, content, message) => {
      write(path, content);
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    build: async (payloadBytes = 64) => {
      const projectDir = join(root, projectRoot);
      writeFileSync(join(projectDir, 'payload'), randomBytes(payloadBytes));
      const context = createBuildContext(projectDir, 'Dockerfile');
      const { imageId } = await client.buildImage(context.stream, { dockerfile: 'Dockerfile', labels: { 'org.go.nx.project': projectName } }, () => undefined);
      const sent = await context.done;
      await client.tagImage(imageId, `${projectName}:latest`);
      const image = await client.inspectImage(imageId);
      if (!image) throw new Error(`built ${imageId} but cannot inspect it`);
      built.push(image.Id);
      writeImageMetadata(root, projectRoot, {
        projectName,
        id: image.Id,
        tags: [`${projectName}:latest`],
        size: image.Size,
        labels: image.Config?.Labels ?? {},
        dockerfile: 'Dockerfile',
        context: projectRoot,
        contextBytes: sent.bytes,
        contextFiles: sent.files,
        buildSeconds: 0,
        builtAt: new Date().toISOString(),
        engine: client.endpoint,
      });
      return image.Id;
    },
    cleanup: async () => {
      for (const id of built) await client.removeImage(id, true);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
