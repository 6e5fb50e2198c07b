import dockerignore from '@balena/dockerignore';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { pack } from 'tar-fs';

export interface BuildContext {
  /** The tar stream to send to the engine. */
  stream: NodeJS.ReadableStream;
  /** Resolves when the whole tar was produced, with what it held. */
  done: Promise<{ bytes: number; files: number }>;
}

/**
 * Decides which context paths go into the tar, with the Docker CLI's `.dockerignore` semantics
 * (`**`, `!` exceptions, leading `/`). The Dockerfile and `.dockerignore` are always sent, as
 * the CLI does, because the engine needs them.
 */
export function createContextFilter(dockerignoreText: string, alwaysInclude: string[]): {
  includes: (relativePath: string) => boolean;
  /** Whether a whole directory can be skipped without looking inside it. */
  prunes: (relativeDir: string) => boolean;
} {
  const patterns = dockerignoreText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  const hasExceptions = patterns.some((pattern) => pattern.startsWith('!'));
  const always = new Set(alwaysInclude.map(normalize));
  return {
    includes: (relativePath) => {
      const path = normalize(relativePath);
      return always.has(path) || !matcher.ignores(path);
    },
    prunes: (relativeDir) => {
      const dir = normalize(relativeDir);
      if (hasExceptions || [...always].some((keep) => keep.startsWith(`${dir}/`))) return false;
      return matcher.ignores(dir);
    },
  };
}

function normalize(path: string): string {
  return path.split(sep).join('/').replace(/^\.\//, '').replace(/^\/+/, '');
}

/** Tars `contextDir` filtered by its `.dockerignore`, counting bytes and files as they stream. */
export function createBuildContext(contextDir: string, dockerfileInContext: string): BuildContext {
  const ignorePath = join(contextDir, '.dockerignore');
  const ignoreText = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '';
  const filter = createContextFilter(ignoreText, [dockerfileInContext, '.dockerignore']);
  let files = 0;
  const tar = pack(contextDir, {
    ignore: (name: string) => {
      const rel = relative(contextDir, name);
      if (rel === '') return false;
      // tar-fs asks about directories too; skipping one skips everything below it.
      return isDirectory(name) ? filter.prunes(rel) : !filter.includes(rel);
    },
    map: (header) => {
      if (header.type === 'file') files += 1;
      // Reproducible ownership: the engine ignores host uids anyway.
      header.uid = 0;
      header.gid = 0;
      return header;
    },
  });
  const counted = new PassThrough();
  let bytes = 0;
  const done = new Promise<{ bytes: number; files: number }>((resolve, reject) => {
    tar.on('error', reject);
    counted.on('end', () => resolve({ bytes, files }));
  });
  tar.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  tar.on('error', (err: Error) => counted.destroy(err));
  tar.pipe(counted);
  return { stream: counted, done };
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
