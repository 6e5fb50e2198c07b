// Builds the plugin of one git commit into a folder of its own, laid out as `npx nx run go:build` lays out
// dist/packages/go, so a long benchmark is not disturbed by someone rebuilding dist/ (or by uncommitted
// work in packages/go) while it runs. The sources come from `git archive`: the working tree is not read.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from './plugin-workspace.mjs';

/** Copies every file under `from` whose name passes `keep`, keeping the layout, into `to`. */
function copyTree(from, to, keep) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target, keep);
    else if (keep(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

/**
 * The plugin of `ref` (a commit, branch or tag of this repository) compiled with the repository's tsc into
 * a temporary folder (removed with the other temporary folders); returns that folder and the commit.
 */
export function buildPluginAt(ref) {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const work = tempDir('org-go-plugin-src-');
  const archive = execFileSync('git', ['archive', '--format=tar', commit, 'packages/go', 'tsconfig.base.json'], { cwd: repoRoot, maxBuffer: 256 * 2 ** 20 });
  execFileSync('tar', ['-x', '-C', work], { input: archive });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  // <folder>/go is the plugin, <folder>/node_modules links to this repository's, so the plugin's own
  // requires (@nx/devkit, dockerode, …) resolve as they do from dist/packages/go.
  const home = tempDir('org-go-plugin-dist-');
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(home, 'node_modules'), 'dir');
  const out = path.join(home, 'go');
  execFileSync(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'packages/go/tsconfig.lib.json', '--outDir', out, '--rootDir', 'packages/go'], { cwd: work, stdio: 'inherit' });
  // The assets of the go:build target: templates and schemas (everything but .ts), declarations, manifests.
  const src = path.join(work, 'packages/go/src');
  copyTree(src, path.join(out, 'src'), (name) => !name.endsWith('.ts') || name.endsWith('.d.ts'));
  for (const file of ['generators.json', 'executors.json', 'package.json', 'README.md']) {
    const source = path.join(work, 'packages/go', file);
    if (fs.existsSync(source)) fs.copyFileSync(source, path.join(out, file));
  }
  return { dir: out, commit };
}
