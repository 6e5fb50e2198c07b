#!/usr/bin/env node
// build.mjs - lay out the Go vulnerability database for offline use by govulncheck (-db file://DIR).
//
// The Go vulnerability database publishes its OSV reports in the Go module golang.org/x/vulndb
// (data/osv/GO-*.json), which the Go module proxy serves. This script downloads a pinned version of
// that module with the go command and writes the database layout govulncheck reads:
//   index/db.json        {"modified": T}
//   index/modules.json   [{"path": module, "vulns": [{"id", "modified", "fixed"?}]}]
//   index/vulns.json     [{"id", "modified", "aliases"}]
//   ID/<id>.json         the OSV report
// T is the commit time of the module version (the reports in the repository carry zero timestamps;
// the published database fills them in from its history, so the commit time stands in for them).
//
// Usage: node tools/vulndb/build.mjs [--version V] [--out DIR] [--force] [--print-dir]
//   --version V   golang.org/x/vulndb version (default below; also ORG_GO_VULNDB_VERSION)
//   --out DIR     where to write (default ${ORG_GO_VULNDB_DIR:-$XDG_CACHE_HOME/org-go/vulndb/<V>})
//   --force       rebuild even if DIR already holds this version
//   --print-dir   print only the directory (for $(…) in scripts)
// Idempotent: a finished build leaves DIR/.complete; partial builds are written beside it and renamed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import semver from 'semver';

const DEFAULT_VERSION = 'v0.0.0-20261105234957-e22db6528018';
const MODULE = 'golang.org/x/vulndb';

function parseArgs(argv) {
  const args = { version: process.env.ORG_GO_VULNDB_VERSION || DEFAULT_VERSION, out: undefined, force: false, printDir: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--version') args.version = argv[++i];
    else if (a.startsWith('--version=')) args.version = a.slice(10);
    else if (a === '--out') args.out = argv[++i];
    else if (a.startsWith('--out=')) args.out = a.slice(6);
    else if (a === '--force') args.force = true;
    else if (a === '--print-dir') args.printDir = true;
    else {
      console.error(`vulndb: unknown argument ${a}. Usage: node tools/vulndb/build.mjs [--version V] [--out DIR] [--force] [--print-dir]`);
      process.exit(2);
    }
  }
  if (!args.version) {
    console.error('vulndb: --version needs a value, e.g. v0.0.0-20261105234957-e22db6528018');
    process.exit(2);
  }
  return args;
}

export function defaultDir(version) {
  if (process.env.ORG_GO_VULNDB_DIR) return resolve(process.env.ORG_GO_VULNDB_DIR);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'org-go', 'vulndb', version);
}

const ZERO = '0001-01-01T00:00:00Z';

/** OSV SEMVER versions in the Go database have no "v"; compare them as semver, pseudo-versions included. */
function newerVersion(a, b) {
  if (!a) return b;
  if (!b) return a;
  const va = semver.coerce(a) && semver.valid(a) ? a : semver.valid(semver.coerce(a));
  const vb = semver.coerce(b) && semver.valid(b) ? b : semver.valid(semver.coerce(b));
  if (!va || !vb) return a >= b ? a : b;
  return semver.gte(va, vb) ? a : b;
}

/** Builds the database from the OSV reports in `osvDir`; pure over its inputs so a test can call it. */
export function buildDatabase(osvDir, outDir, modifiedFallback) {
  const modules = new Map();
  const vulns = [];
  mkdirSync(join(outDir, 'ID'), { recursive: true });
  mkdirSync(join(outDir, 'index'), { recursive: true });
  let latest = modifiedFallback;
  for (const file of readdirSync(osvDir).filter((f) => f.endsWith('.json')).sort()) {
    const entry = JSON.parse(readFileSync(join(osvDir, file), 'utf8'));
    if (!entry.id || !Array.isArray(entry.affected)) throw new Error(`${file} is not an OSV report (no id or affected list).`);
    if (!entry.modified || entry.modified === ZERO) entry.modified = modifiedFallback;
    if (!entry.published || entry.published === ZERO) entry.published = entry.modified;
    if (entry.modified > latest) latest = entry.modified;
    writeFileSync(join(outDir, 'ID', `${entry.id}.json`), JSON.stringify(entry));
    vulns.push({ id: entry.id, modified: entry.modified, aliases: entry.aliases ?? [] });
    for (const affected of entry.affected) {
      const path = affected.package?.name;
      if (!path) continue;
      let fixed;
      for (const range of affected.ranges ?? []) for (const event of range.events ?? []) if (event.fixed) fixed = newerVersion(fixed, event.fixed);
      const list = modules.get(path) ?? [];
      const existing = list.find((v) => v.id === entry.id);
      if (existing) existing.fixed = newerVersion(existing.fixed, fixed);
      else list.push(fixed ? { id: entry.id, modified: entry.modified, fixed } : { id: entry.id, modified: entry.modified });
      modules.set(path, list);
    }
  }
  const moduleIndex = [...modules.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, list]) => ({ path, vulns: list }));
  writeFileSync(join(outDir, 'index', 'modules.json'), JSON.stringify(moduleIndex));
  writeFileSync(join(outDir, 'index', 'vulns.json'), JSON.stringify(vulns));
  writeFileSync(join(outDir, 'index', 'db.json'), JSON.stringify({ modified: latest }));
  return { reports: vulns.length, modules: moduleIndex.length, modified: latest };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const out = resolve(args.out ?? defaultDir(args.version));
  const stamp = join(out, '.complete');
  if (!args.force && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === args.version) {
    if (args.printDir) console.log(out);
    else console.log(`vulndb: ${out} already holds ${MODULE}@${args.version}`);
    return;
  }
  const t0 = Date.now();
  let info;
  try {
    const json = execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${args.version}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' },
      cwd: tmpdir(),
    });
    info = JSON.parse(json);
  } catch (err) {
    const detail = err.stdout ? (() => { try { return JSON.parse(err.stdout).Error; } catch { return err.stdout; } })() : err.message;
    console.error(`vulndb: could not download ${MODULE}@${args.version} through the Go module proxy: ${detail}`);
    console.error('Check `go env GOPROXY` and that `go` is on PATH, or pass --version with a version the proxy serves.');
    process.exit(1);
  }
  if (info.Error) {
    console.error(`vulndb: ${info.Error}`);
    process.exit(1);
  }
  const commitTime = JSON.parse(readFileSync(info.Info, 'utf8')).Time;
  const modified = new Date(commitTime).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const osvDir = join(info.Dir, 'data', 'osv');
  if (!existsSync(osvDir)) {
    console.error(`vulndb: ${MODULE}@${args.version} has no data/osv folder; this version predates OSV reports in the repository.`);
    process.exit(1);
  }
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const result = buildDatabase(osvDir, partial, modified);
  writeFileSync(join(partial, '.complete'), `${args.version}\n`);
  rmSync(out, { recursive: true, force: true });
  renameSync(partial, out);
  if (args.printDir) console.log(out);
  else
    console.log(
      `vulndb: ${result.reports} reports for ${result.modules} modules (database modified ${result.modified}) in ${out} ` +
        `[${((Date.now() - t0) / 1000).toFixed(1)}s]\n  use: govulncheck -db file://${out} …`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
