/**
 * Which paths the image build needs that the standard .dockerignore would leave out of the context,
 * judged with the same matcher docker-build uses to pack the context.
 */
import type { Tree } from '@nx/devkit';
import { createContextFilter } from '../../../docker/build-context';

export interface NeededPath {
  /** Path relative to the build context. */
  path: string;
  /** The `!` exception that brings it back: its package folder, or the embedded file or folder. */
  exception: string;
}

/** `!` exceptions (shortest first, none covered by another) for the needed paths the ignore text excludes. */
export function contextExceptions(ignoreText: string, needed: NeededPath[]): { exceptions: string[]; stillExcluded: string[] } {
  const filter = createContextFilter(ignoreText, []);
  const excluded = needed.filter((entry) => !filter.includes(entry.path));
  const exceptions: string[] = [];
  for (const exception of [...new Set(excluded.map((entry) => entry.exception))].sort((a, b) => a.length - b.length || a.localeCompare(b))) {
    if (!exceptions.some((kept) => exception === kept || exception.startsWith(`${kept}/`))) exceptions.push(exception);
  }
  const withExceptions = createContextFilter(`${ignoreText}\n${exceptions.map((path) => `!${path}`).join('\n')}`, []);
  return { exceptions, stillExcluded: needed.filter((entry) => !withExceptions.includes(entry.path)).map((entry) => entry.path) };
}

/** A Go `path.Match` segment pattern as a regular expression. */
function segmentPattern(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) out += `\\${segment[++i]}`;
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) return /(?!)/;
      out += `[${segment.slice(i + 1, end)}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const join = (dir: string, child: string) => (dir === '' || dir === '.' ? child : `${dir}/${child}`);

/** Files below `dir` in the tree (workspace-relative), or `dir` itself when it is a file. */
function filesUnder(tree: Tree, dir: string): string[] {
  if (tree.isFile(dir)) return [dir];
  return tree.children(dir).flatMap((child) => filesUnder(tree, join(dir, child)));
}

/**
 * The files a `//go:embed` pattern of the package in `packageDir` (workspace-relative) names, each
 * with the matched entry (a file or a folder embedded whole). Patterns that match nothing are left
 * to the Go compiler to report.
 */
export function embeddedFiles(tree: Tree, packageDir: string, pattern: string): Array<{ file: string; entry: string }> {
  const segments = pattern.replace(/^all:/, '').split('/').filter((segment) => segment !== '' && segment !== '.');
  let entries = [packageDir === '.' ? '' : packageDir];
  for (const segment of segments) {
    const re = segmentPattern(segment);
    entries = entries.flatMap((entry) => (tree.isFile(entry) ? [] : tree.children(entry).filter((child) => re.test(child)).map((child) => join(entry, child))));
  }
  if (segments.length === 0) return [];
  return entries.flatMap((entry) => filesUnder(tree, entry).map((file) => ({ file, entry })));
}
