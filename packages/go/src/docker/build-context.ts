import dockerignore from '@balena/dockerignore';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { pack } from 'tar-fs';

export interface BuildContext {
  /** The tar stream to send to the engine. */
  stream: NodeJS.ReadableStream;
  /** Resolves when the whole tar was produced, with what it held. */
  done: Promise<ContextTotals>;
}

export interface ContextTotals {
  bytes: number;
  files: number;
  /**
   * Tar bytes per top-level entry of the context (`internal`, `go.mod`; `_local/libs/money` for an
   * added module), to say what makes a context big.
   */
  byEntry: Record<string, number>;
}

/** The top-level entry a context path counts towards: its first folder, or for added folders `<prefix>/<first folder>`. */
function topLevelEntry(prefix: string, name: string): string {
  const first = name.split('/')[0];
  return prefix ? `${prefix}/${first}` : first;
}

/** Bytes one entry takes in a tar: its 512-byte header and its content padded to 512. */
function tarBytes(size: number): number {
  return 512 + Math.ceil(size / 512) * 512;
}

/** The biggest entries of a context, biggest first. */
export function biggestEntries(byEntry: Record<string, number>, count = 5): Array<{ entry: string; bytes: number }> {
  return Object.entries(byEntry)
    .map(([entry, bytes]) => ({ entry, bytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.entry < b.entry ? -1 : 1))
    .slice(0, count);
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

/** More than one folder in one context: extra folders under a prefix, and generated files. */
export interface ContextExtras {
  /** Folders added under `prefix/`, filtered by the context's `.dockerignore` rules. */
  folders: Array<{ dir: string; prefix: string }>;
  /** Files written into the context; they replace a file of the same name from the folders. */
  files: Array<{ name: string; content: string }>;
}

/**
 * Tars `contextDir` filtered by its `.dockerignore` (plus `extras`), counting bytes and files as they
 * stream. Ownership is zeroed so the tar does not depend on who built it.
 */
export function createBuildContext(contextDir: string, dockerfileInContext: string, extras?: ContextExtras): BuildContext {
  const ignorePath = join(contextDir, '.dockerignore');
  const ignoreText = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '';
  const filter = createContextFilter(ignoreText, [dockerfileInContext, '.dockerignore']);
  const generated = new Set((extras?.files ?? []).map((file) => file.name));
  let files = 0;
  const byEntry: Record<string, number> = {};
  const count = (prefix: string, name: string, size: number) => {
    const entry = topLevelEntry(prefix, name);
    byEntry[entry] = (byEntry[entry] ?? 0) + tarBytes(size);
  };
  const folders = [{ dir: contextDir, prefix: '' }, ...(extras?.folders ?? [])];
  const counted = new PassThrough();
  let bytes = 0;
  const done = new Promise<ContextTotals>((resolve, reject) => {
    counted.on('error', reject);
    counted.on('end', () => resolve({ bytes, files, byEntry }));
  });

  const packFolder = (index: number, into: ReturnType<typeof pack> | undefined): void => {
    const folder = folders[index];
    const nameOf = (name: string) => (folder.prefix ? `${folder.prefix}/${name}` : name);
    const tar = pack(folder.dir, {
      pack: into,
      finalize: false,
      ignore: (name: string) => {
        const rel = relative(folder.dir, name);
        if (rel === '') return false;
        if (generated.has(nameOf(rel.split(sep).join('/')))) return true;
        // tar-fs asks about directories too; skipping one skips everything below it.
        return isDirectory(name) ? filter.prunes(rel) : !filter.includes(rel);
      },
      map: (header) => {
        if (header.type === 'file') files += 1;
        if (header.name !== '.' && header.name !== '') count(folder.prefix, header.name, header.type === 'file' ? (header.size ?? 0) : 0);
        header.name = nameOf(header.name);
        header.uid = 0;
        header.gid = 0;
        return header;
      },
      finish: (packed) => {
        if (index + 1 < folders.length) return packFolder(index + 1, packed);
        for (const file of extras?.files ?? []) {
          files += 1;
          count('', file.name, Buffer.byteLength(file.content));
          packed.entry({ name: file.name, mode: 0o644, mtime: new Date(0) }, file.content);
        }
        packed.finalize();
      },
    });
    if (!into) {
      tar.on('data', (chunk: unknown) => {
        bytes += (chunk as Buffer).length;
      });
      tar.on('error', (err: Error) => counted.destroy(err));
      tar.pipe(counted);
    }
  };
  packFolder(0, undefined);
  return { stream: counted, done };
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
