/**
 * Scanned Go file headers kept between processes (`org-go-scans.json` in the workspace data directory),
 * each under the content hash Nx's workspace context has for its file. A process that must compute the
 * graph again (some file changed since the results were kept) reads and scans only the Go files whose
 * hash changed. A process with nothing kept pays nothing for it until the results are handed over: the
 * cache is written afterwards (see plugins/results.ts).
 */
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from '../utils/json-file';
import { scannerCodeHash } from './code-hash';
import type { GraphFiles } from './files';
import { readGraphInput } from './load';
import { workspaceContext } from './nx-api';
import type { GoFileHeader, GoImport } from './source';
import type { GraphInput } from './workspace-graph';

export const SCANS_FILE = 'org-go-scans.json';
/** Bumped whenever this encoding changes (a change to the scanner changes `scanner`). */
const SCANS_VERSION = 2;

/** A header, compactly: package name, flags (1: imports "C", 2: generated), //go:build, +build lines, error, imports. */
type Encoded = [packageName: string | 0, flags: number, buildConstraint: string | 0, plusBuild: string[], error: string | 0, imports: Array<[path: string, line: number, name?: string]>];

interface ScansFile {
  version: number;
  /** The scanner's code hash: scans by other code are not reused. */
  scanner: string;
  workspaceRoot: string;
  /** [path, content hash, header], in the order of the file list (sorted). */
  files: Array<[path: string, hash: string, header: Encoded]>;
}

function encode(header: GoFileHeader): Encoded {
  return [
    header.packageName ?? 0,
    (header.importsC ? 1 : 0) | (header.generated ? 2 : 0),
    header.buildConstraint ?? 0,
    header.plusBuild,
    header.error ?? 0,
    header.imports.map((spec) => (spec.name === undefined ? [spec.path, spec.line] : [spec.path, spec.line, spec.name])),
  ];
}

/** The header as scanGoFile returns it (same properties, in the order it usually sets them). */
function decode(encoded: Encoded): GoFileHeader {
  // Indexing, not destructuring: destructuring an array goes through its iterator, slow in cold code.
  const packageName = encoded[0];
  const flags = encoded[1];
  const buildConstraint = encoded[2];
  const plusBuild = encoded[3];
  const error = encoded[4];
  const specs = encoded[5];
  const imports: GoImport[] = new Array(specs.length);
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    imports[i] = spec.length < 3 ? { path: spec[0], line: spec[1] } : { path: spec[0], name: spec[2], line: spec[1] };
  }
  const header: GoFileHeader = { imports, plusBuild, importsC: (flags & 1) !== 0, generated: (flags & 2) !== 0 };
  if (packageName !== 0) header.packageName = packageName;
  if (buildConstraint !== 0) header.buildConstraint = buildConstraint;
  if (error !== 0) header.error = error;
  return header;
}

const isScansFile = (value: ScansFile | undefined, workspaceRoot: string): value is ScansFile =>
  value?.version === SCANS_VERSION && value.scanner === scannerCodeHash() && value.workspaceRoot === workspaceRoot && Array.isArray(value.files);

/** Content hashes of the Go files from Nx's workspace context; undefined on an Nx that does not give them. */
async function goFileHashes(workspaceRoot: string): Promise<Map<string, string> | undefined> {
  const fileData = workspaceContext().getAllFileDataInContext;
  if (typeof fileData !== 'function') return undefined;
  const hashes = new Map<string, string>();
  for (const { file, hash } of await fileData(workspaceRoot)) if (file.endsWith('.go')) hashes.set(file, hash);
  return hashes;
}

export interface CachedInput {
  input: GraphInput;
  /** How many Go files were read and scanned (the others came from the cache). */
  scanned: number;
  /** Writes the cache for the files as read now; does nothing when it would not change. */
  save(): Promise<void>;
}

/**
 * The graph's input, reusing the kept header of every Go file whose content hash is the one it was kept
 * under. Hashes are those of Nx's workspace context: the same snapshot the results' key is made from.
 */
export async function readGraphInputCached(workspaceRoot: string, files: GraphFiles, dataDirectory: string): Promise<CachedInput> {
  const file = join(dataDirectory, SCANS_FILE);
  const list = await files.files();
  const kept = readJsonFile<ScansFile>(file);
  const hashes = isScansFile(kept, workspaceRoot) ? await goFileHashes(workspaceRoot) : undefined;
  let scanned = 0;
  let reused = 0;
  // Both lists are sorted the same way: the entry for a path, if any, is found by walking along.
  const entries = hashes !== undefined && isScansFile(kept, workspaceRoot) ? kept.files : [];
  let next = 0;
  // The cache to write, in file order: kept entries as they were, new scans as [path, header].
  const gathered: Array<ScansFile['files'][number] | [path: string, header: GoFileHeader]> = [];
  const input = readGraphInput(workspaceRoot, list, {
    get: (path) => {
      while (next < entries.length && entries[next][0] < path) next += 1;
      const entry = entries[next];
      if (entry === undefined || entry[0] !== path || entry[1] !== hashes?.get(path)) return undefined;
      next += 1;
      reused += 1;
      gathered.push(entry);
      return decode(entry[2]);
    },
    put: (path, header) => {
      scanned += 1;
      gathered.push([path, header]);
    },
  });
  return {
    input,
    scanned,
    save: async () => {
      if (scanned === 0 && reused === entries.length && entries.length > 0) return;
      const known = hashes ?? (await goFileHashes(workspaceRoot));
      if (known === undefined) return;
      const files: ScansFile['files'] = [];
      for (const item of gathered) {
        if (item.length === 3) {
          files.push(item);
          continue;
        }
        const hash = known.get(item[0]);
        if (hash !== undefined) files.push([item[0], hash, encode(item[1])]);
      }
      writeJsonFile(file, { version: SCANS_VERSION, scanner: scannerCodeHash(), workspaceRoot, files } satisfies ScansFile, false);
    },
  };
}
