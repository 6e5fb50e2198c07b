/**
 * Shared by the fault specs (faults-*.docker.spec.ts): the second engine (stopped and started by the
 * specs; never the main one), the generated service they build, what they inspect after each fault, the
 * plugin transpiled from this working tree for real `nx` runs, and the one-line outcome each case prints
 * (docs/reliability.md is filled from those lines).
 */
import { transformFileSync } from '@swc/core';
import Dockerode from 'dockerode';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { DockerClient } from '../docker';
import { serviceGenerator } from '../generators/service/service';
import { runCaptured } from '../testing/logs';
import { generateWorkspace } from '../testing/workspace';
import { detectGoVersion } from '../utils/go-version';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const ENSURE_DOCKER = join(REPO_ROOT, 'tools/ensure-docker.sh');
export const MAIN_SOCKET = '/var/run/docker.sock';
export const SECOND_SOCKET = '/var/run/org-go-docker2.sock';
export const SECOND_ENGINE = `unix://${SECOND_SOCKET}`;
/** The builder image of generated services (tools/seed-base-images.sh seeds it where no registry answers). */
export const BUILDER_IMAGE = `golang:${detectGoVersion()}-bookworm`;

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
export const seconds = (fromMs: number) => Math.round((Date.now() - fromMs) / 100) / 10;

/** `tools/ensure-docker.sh --second`: starts the second engine when it is down; returns the seconds it took. */
export function startSecondEngine(): number {
  const started = Date.now();
  execFileSync('bash', [ENSURE_DOCKER, '--second'], { stdio: 'pipe', timeout: 120_000 });
  return seconds(started);
}

/** `tools/ensure-docker.sh --stop --second`: the engine's own shutdown (SIGTERM to dockerd); returns the seconds it took. */
export function stopSecondEngine(): number {
  const started = Date.now();
  execFileSync('bash', [ENSURE_DOCKER, '--stop', '--second'], { stdio: 'pipe', timeout: 120_000 });
  return seconds(started);
}

/** `tools/ensure-docker.sh <args>` without blocking the event loop (the executor under test keeps running); resolves with the seconds it took. */
function ensureDockerAsync(args: string[]): Promise<number> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn('bash', [ENSURE_DOCKER, ...args], { stdio: 'ignore' });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done(seconds(started)) : fail(new Error(`ensure-docker.sh ${args.join(' ')} exited with ${code}`))));
  });
}
export const stopSecondEngineAsync = () => ensureDockerAsync(['--stop', '--second']);
export const startSecondEngineAsync = () => ensureDockerAsync(['--second']);

/** Copies images the target engine lacks from the main engine (export → load; no registry involved). */
export async function ensureImagesIn(target: DockerClient, refs: string[]): Promise<void> {
  const main = DockerClient.fromEnvironment(`unix://${MAIN_SOCKET}`);
  for (const ref of refs) {
    if (await target.inspectImage(ref)) continue;
    const { result, output } = await runCaptured(async () => {
      await target.loadImage(await main.exportImage(ref));
      return { success: true };
    });
    if (!result.success || !(await target.inspectImage(ref))) throw new Error(`could not copy ${ref} into ${target.endpoint}: ${output}`);
  }
}

/** A workspace with one generated service (scratch runtime, the Go of this machine); returns its root. */
export function generateService(name: string, prefix = 'org-go-faults-ws-'): Promise<string> {
  return generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion: detectGoVersion() }), prefix);
}

/** A source change, so the image's Go compile step cannot come from the build cache. */
export function changeSource(root: string, name: string): void {
  writeFileSync(join(root, 'apps', name, 'cmd', name, 'fault_mark.go'), `package main\n\n// faultMark changes whenever a fault spec wants a fresh compile.\nconst faultMark = "${Date.now()}-${Math.random()}"\n\nvar _ = faultMark\n`);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Containers of the service's builds (all states): the classic builder's step containers run the
 * generated Dockerfile's commands, and the compile step names the service (`-o /out/<name>`).
 */
export async function buildContainersOf(docker: Dockerode, name: string): Promise<Dockerode.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true });
  return all.filter((container) => container.Command.includes(`/out/${name} `) || container.Command.endsWith(`/out/${name}`) || container.Names.some((n) => n.includes(name)));
}

/** The running compile step of the service's build, once it runs. */
export async function runningCompile(docker: Dockerode, name: string): Promise<Dockerode.ContainerInfo | undefined> {
  return (await buildContainersOf(docker, name)).find((container) => container.State === 'running' && container.Command.includes('go build'));
}

/** Every tag of the service's repository (`<name>:<tag>`) in an engine, with the image it points at. */
export async function tagsOf(docker: Dockerode, name: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const image of await docker.listImages({ all: true })) {
    for (const ref of image.RepoTags ?? []) if (ref.startsWith(`${name}:`)) tags[ref] = image.Id;
  }
  return tags;
}

/** The text of dist/<projectRoot>/docker/<file> (image.json, scan.json, …), or undefined when absent. */
export function recordText(root: string, projectRoot: string, file = 'image.json'): string | undefined {
  const path = join(root, 'dist', projectRoot, 'docker', file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Everything in dist/<projectRoot>/docker besides the records themselves (temporary or partial files). */
export function strayFiles(root: string, projectRoot: string, records: string[]): string[] {
  const dir = join(root, 'dist', projectRoot, 'docker');
  return existsSync(dir) ? readdirSync(dir).filter((entry) => !records.includes(entry)) : [];
}

/** The mkdtemp prefixes of the executors (grep mkdtemp/makeTempDir in src/executors). */
export const EXECUTOR_TEMP_PREFIXES = ['org-go-prebuilt-', 'org-go-scan-', 'org-go-trivy-version-', 'org-go-grype-version-'];

/** The executors' temporary folders in `dir`, and Go's own (`go-build…`, which go leaves when it is killed). */
export function executorTempDirs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((entry) => EXECUTOR_TEMP_PREFIXES.some((prefix) => entry.startsWith(prefix)) || entry.startsWith('go-build')) : [];
}

/** Processes whose working folder is inside `root` (an executor, nx, go build, a scanner): none may outlive a run. */
export function processesIn(root: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === root || cwd.startsWith(`${root}/`)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 120)}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The executor's error, as the user reads it: the "<executor> failed for …" line and what follows, shortened. */
export function errorOf(output: string, maxLength = 400): string {
  const at = output.search(/docker-(build|run|scan|tag|push) failed for /);
  const text = (at >= 0 ? output.slice(at) : output.trim().split('\n').slice(-3).join(' ')).replace(/\s+/g, ' ').trim();
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export interface Outcome {
  case: string;
  injected: string;
  message: string;
  failSeconds?: number;
  state: string;
  rerun: string;
}

/** One line per case, for docs/reliability.md: `[faults] {json}`. */
export function reportOutcome(outcome: Outcome): void {
  // eslint-disable-next-line no-console
  console.log(`[faults] ${JSON.stringify(outcome)}`);
}

/**
 * The plugin as `nx run` loads it, transpiled from this working tree (swc, as jest does) into a folder of
 * its own: src/**\/*.ts → .js (specs and test helpers left out), every other file copied (schemas,
 * templates), the manifests beside, and node_modules linked to this repository's. No dist/ is needed.
 */
export function transpilePlugin(): string {
  const home = mkdtempSync(join(tmpdir(), 'org-go-faults-plugin-'));
  const out = join(home, 'go');
  const src = join(REPO_ROOT, 'packages/go/src');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(src, path);
      if (entry.isDirectory()) {
        if (rel !== 'testing') walk(path);
        continue;
      }
      const target = join(out, 'src', rel);
      mkdirSync(dirname(target), { recursive: true });
      const template = /(^|\/)files(-[^/]*)?\//.test(rel);
      if (!template && rel.endsWith('.ts') && !rel.endsWith('.d.ts')) {
        if (/\.(spec|test)\.ts$/.test(rel)) continue;
        const { code } = transformFileSync(path, { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' }, sourceMaps: false, swcrc: false, configFile: false });
        writeFileSync(target.replace(/\.ts$/, '.js'), code);
      } else {
        copyFileSync(path, target);
      }
    }
  };
  walk(src);
  for (const file of ['package.json', 'executors.json', 'generators.json']) copyFileSync(join(REPO_ROOT, 'packages/go', file), join(out, file));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(home, 'node_modules'), 'dir');
  return out;
}

/** node_modules of `root`: links into this repository's, with @org/go the transpiled plugin. */
export function linkWorkspaceModules(root: string, plugin: string): void {
  const source = join(REPO_ROOT, 'node_modules');
  const target = join(root, 'node_modules');
  mkdirSync(join(target, '@org'), { recursive: true });
  for (const entry of readdirSync(source)) if (entry !== '@org') symlinkSync(join(source, entry), join(target, entry));
  symlinkSync(plugin, join(target, '@org', 'go'), 'dir');
}

export interface NxRun {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
}

/** `nx <args>` in `root`, in a process group of its own (so a terminal's Ctrl-C can be sent to the group). */
export function spawnNx(root: string, args: string[], env: NodeJS.ProcessEnv): NxRun {
  const child = spawn(join(root, 'node_modules', '.bin', 'nx'), args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', ...env },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal, atMs: Date.now() })),
  );
  return { child, output: () => output, exited };
}

/** Removes a folder tree, ignoring what is already gone. */
export function removeTree(path: string | undefined): void {
  if (path) rmSync(path, { recursive: true, force: true });
}

/** A tmpfs of `size` (e.g. `1m`) at `dir` (created); needs root, as CI runs. */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=1777`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Resizes a tmpfs in place: what freeing space on a full disk does. */
export function resizeTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

/** Fills the filesystem of `dir` to the last byte with `dir/filler`; returns the file (delete it to free the space). */
export function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'pipe' });
  } catch {
    // dd ends with "No space left on device": that is the point
  }
  return filler;
}
