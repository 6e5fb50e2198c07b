/** fast-check inputs and checks shared by the generators' property specs (issue 8, "Bad input"). */
import type { Tree } from '@nx/devkit';
import fc from 'fast-check';
import { snapshotTree } from './tree';

/** Fixed, so a failure in CI reproduces. */
export const SEED = 20261127;

/** Characters a shell, Go or Docker treat specially, and whitespace. */
export const HOSTILE = [';', '|', '&', '$', '(', ')', '`', "'", '"', ' ', '\t', '\n', '*', '?', '<', '>', '!', '\\', '~', '#', '%'];
export const NEEDS_QUOTING = /[;|&$()`'"\s*?<>!\\#%]|[^\x20-\x7e]/;

/** Values that have broken generators elsewhere: traversal, absolute paths, metacharacters, unicode, prototype keys. */
export const nasty = fc.oneof(
  fc.constantFrom(
    '', ' ', '.', '..', '../orders', '../../etc/passwd', 'apps/../../x', '/abs/orders', '/', 'C:\\orders', '\\\\server\\share',
    'orders; rm -rf /', 'orders|cat', 'orders&&x', '$(whoami)', '`id`', "o'rders", 'o"rders', 'or ders', ' orders ', 'orders\n',
    'ordérs', 'заказы', '订单', '🚀', 'ORDERS', 'order--api', '-orders', 'orders-', '2fast', 'toString', 'constructor', '__proto__',
    'vendor', 'node_modules', 'testdata', 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(300), `apps/${'b'.repeat(300)}`,
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 64, maxLength: 400 }),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.constantFrom(...HOSTILE), fc.stringMatching(/^[a-z0-9]{0,8}$/)).map((parts) => parts.join('')),
);

/** Keys every plain object inherits: `value in {...}` and `obj[value]` find them. */
export const prototypeKeys = fc.constantFrom('toString', 'constructor', '__proto__', 'valueOf', 'hasOwnProperty');

/** Folder names around the 255-byte limit of file systems. */
export const longSegment = fc.integer({ min: 250, max: 300 }).map((length) => 'd'.repeat(length));

export const validName = fc.stringMatching(/^[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,6}){0,2}$/);
export const validDir = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}(\/[a-z0-9_][a-z0-9_.-]{0,10}){0,2}$/);

/** Mostly valid values with a hostile one mixed in, so each field's checks are reached, alone or together. */
export const field = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>, validWeight = 4) =>
  fc.oneof({ arbitrary: valid, weight: validWeight }, { arbitrary: hostile, weight: 1 });

/** A rejected run: an Error naming the field (`namesAField`) with a valid example, and the tree as it was. */
export function expectCleanRejection(error: unknown, before: Map<string, string>, tree: Tree, namesAField: RegExp): void {
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).toMatch(namesAField);
  expect(message).toMatch(/e\.g\. \S/);
  expect(snapshotTree(tree)).toEqual(before);
}

/**
 * An accepted run of a generator that writes one new Go module: its files are inside the module
 * folder (besides workspace-level files), named after the input, safe to use in a shell, within file
 * system limits, and its go.mod has the module line the options asked for. Returns what later checks need.
 */
export function expectNewModule(input: { name: unknown; module?: string }, tree: Tree): { projectRoot: string; name: string; goMod: string } {
  // listChanges, not snapshotTree: Nx's tree takes a folder named like an Object.prototype key
  // ("valueOf", "constructor") for a file, which hides the folder's files from snapshotTree.
  const written = tree.listChanges().filter((change) => change.type !== 'DELETE').map((change) => change.path);
  const goMods = written.filter((path) => path.endsWith('/go.mod'));
  expect(goMods).toHaveLength(1);
  const projectRoot = goMods[0].slice(0, -'/go.mod'.length);
  const name = projectRoot.split('/').pop() ?? '';

  expect(name).toBe(String(input.name).trim().replace(/\\/g, '/').replace(/\/+$/, '').split('/').pop());
  expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  expect(name.length).toBeLessThanOrEqual(63);
  for (const path of written) {
    expect(path.startsWith('/')).toBe(false);
    expect(path.split('/')).not.toContain('..');
    expect(path).not.toMatch(NEEDS_QUOTING);
    for (const segment of path.split('/')) expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
  }
  // Besides the module folder, only workspace-level files (go.work, nx.json, .gitattributes) change.
  for (const path of written.filter((path) => path.includes('/'))) {
    expect(path.startsWith(`${projectRoot}/`)).toBe(true);
  }

  const goMod = tree.read(goMods[0], 'utf-8') ?? '';
  const modulePath = /^module (\S+)$/m.exec(goMod)?.[1];
  expect(modulePath).toBeDefined();
  if (input.module?.trim()) expect(modulePath).toBe(input.module.trim());
  return { projectRoot, name, goMod };
}
