/**
 * Hashes of the plugin's own code, part of the keys of what it keeps on disk: a rebuilt or upgraded
 * plugin (a new target, a scanner fix) never reuses results or scans made by other code, even when no
 * version constant was bumped.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, sep } from 'node:path';

const packageSource = dirname(__dirname) + sep;
const hashes = new Map<string, string>();

/**
 * The plugin's files a module was built from: the module and what it requires, transitively (Node's
 * module records, the same whatever loaded the plugin: Nx, an executor, a test). Empty where modules are
 * not Node's (a test runner's own registry): the hash is then that of no code.
 */
function sourcesOf(entry: string): string[] {
  const files = new Set<string>();
  const visit = (module: NodeJS.Module | undefined) => {
    if (!module || files.has(module.filename) || !module.filename.startsWith(packageSource)) return;
    files.add(module.filename);
    for (const child of module.children ?? []) visit(child);
  };
  visit(require.cache?.[entry]);
  return [...files].sort();
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file.slice(packageSource.length));
    hash.update('\0');
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('missing');
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function codeHash(module: string): string {
  let hash = hashes.get(module);
  if (hash === undefined) {
    hash = hashFiles(sourcesOf(require.resolve(module)));
    hashes.set(module, hash);
  }
  return hash;
}

/** The code that makes the plugin's results: plugins/results and everything it uses. */
export const resultsCodeHash = () => codeHash('../plugins/results');

/** The Go header scanner's code, what kept scans depend on. */
export const scannerCodeHash = () => codeHash('./source/scan');
