import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  containersFromImage,
  inspectContainer,
  inspectImage,
  engineAnswers,
  pingDocker,
  removeContainer,
  removeImage,
  stopAndRemoveContainer,
} from '../src/docker';
import { httpGet } from '../src/http';
import { getFreePort } from '../src/ports';
import { e2eEnv, nx, pluginVersion, registryUrl, run, setCommandLogDir } from '../src/run';
import { stepRunner } from '../src/steps';

/** The TypeScript line known to work with Nx 23 (an unpinned install may pick a major Nx cannot load). */
const TYPESCRIPT_PIN = '5.9.3';
const CREATE_NX_WORKSPACE = 'create-nx-workspace@23.2.1';
const WORKSPACE = 'proj';
const SERVICE = 'orders';
const REPO_ROOT = join(__dirname, '..', '..', '..');

interface ImageRecord {
  id: string;
  tags: string[];
  size: number;
  projectName: string;
  builtAt: string;
}

const { formatTimings, setupStep: step } = stepRunner();

function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Keep TypeScript on a version Nx can load if something in the workspace pulled in a newer major. */
async function pinTypeScriptIfNeeded(ws: string): Promise<void> {
  const tsPkg = join(ws, 'node_modules', 'typescript', 'package.json');
  if (!existsSync(tsPkg)) return;
  const { version } = readJson<{ version: string }>(tsPkg);
  if (Number(version.split('.')[0]) >= 6) {
    console.log(`[go-e2e] workspace got typescript@${version}; pinning typescript@${TYPESCRIPT_PIN}`);
    await run('npm', ['install', '--save-dev', '--save-exact', `typescript@${TYPESCRIPT_PIN}`], { cwd: ws });
  }
}

describe('@org/go: a new user goes from an empty workspace to a healthy container', () => {
  const version = pluginVersion();
  const logDir = join(tmpdir(), 'go-e2e-last');
  let root = '';
  let ws = '';
  let image: ImageRecord | undefined;
  let hostPort = 0;
  const containers = new Set<string>();
  /** Id of an `orders:latest` that was on the engine before this run built one (left alone at cleanup). */
  let preexistingImageId: string | undefined | null = null;

  beforeAll(() => {
    rmSync(logDir, { recursive: true, force: true });
    setCommandLogDir(logDir);
    root = mkdtempSync(join(tmpdir(), 'go-e2e-'));
    ws = join(root, WORKSPACE);
    console.log(`[go-e2e] @org/go@${version} from ${registryUrl()}; workspace ${ws}; command log ${logDir}/commands.log`);
  });

  afterAll(async () => {
    // Remove whatever the walkthrough left on the engine, even after a failure.
    const errors: string[] = [];
    if (await engineAnswers()) {
      const refs = new Set<string>([...(image?.tags ?? []), `${SERVICE}:latest`]);
      // The engine's full id for the image this run built (image.json may hold a short form).
      let imageId = image ? ((await inspectImage(image.id).catch(() => undefined))?.Id ?? image.id) : undefined;
      if (!imageId && preexistingImageId !== null) {
        // docker-build ran but failed before its record was read: clean up an image it tagged.
        const latest = await inspectImage(`${SERVICE}:latest`).catch(() => undefined);
        if (latest && latest.Id !== preexistingImageId) imageId = latest.Id;
      }
      if (imageId) {
        // Every container started from the image this run built (docker-run may have failed mid-way).
        for (const c of await containersFromImage(imageId).catch(() => [])) containers.add(c.Id);
      }
      for (const c of containers) {
        await removeContainer(c).catch((e: Error) => errors.push(`container ${c}: ${e.message}`));
      }
      if (imageId) {
        for (const ref of refs) {
          const tagged = await inspectImage(ref).catch(() => undefined);
          if (tagged?.Id !== imageId) continue;
          await removeImage(ref).catch((e: Error) => errors.push(`image ${ref}: ${e.message}`));
        }
        await removeImage(imageId).catch((e: Error) => errors.push(`image ${imageId}: ${e.message}`));
      }
    }
    if (root && !process.env.GO_E2E_KEEP) rmSync(root, { recursive: true, force: true });
    console.log(`[go-e2e] timings (s):\n${formatTimings()}` + (process.env.GO_E2E_TIMINGS ? `\n  setup: ${process.env.GO_E2E_TIMINGS}` : ''));
    if (errors.length) console.warn(`[go-e2e] cleanup problems:\n${errors.join('\n')}`);
  });

  step('create-nx-workspace creates a fresh workspace from the local registry', async () => {
    const res = await run(
      'npx',
      [
        '-y',
        CREATE_NX_WORKSPACE,
        WORKSPACE,
        '--preset=apps',
        '--nxCloud=skip',
        '--packageManager=npm',
        '--interactive=false',
        '--skipGit=false',
        '--aiAgents=none',
        '--analytics=false',
        '--skipGitHubPush',
      ],
      { cwd: root, timeoutMs: 10 * 60 * 1000 },
    );
    expect(res.output).toMatch(/Successfully created the workspace/);
    expect(existsSync(join(ws, 'nx.json'))).toBe(true);
    expect(existsSync(join(ws, 'node_modules', 'nx', 'package.json'))).toBe(true);
    expect(existsSync(join(ws, '.git'))).toBe(true);
    // The dependencies came through the local registry.
    expect(readFileSync(join(ws, 'package-lock.json'), 'utf8')).toContain(registryUrl());
    await pinTypeScriptIfNeeded(ws);
  });

  step(`nx add @org/go registers the plugin, go.work and LF rules`, async () => {
    const res = await nx(ws, ['add', `@org/go@${version}`]);
    expect(res.output).toContain(`Installing @org/go@${version}`);
    expect(res.output).toMatch(/Package @org\/go added successfully/);
    expect(readJson<{ version: string }>(join(ws, 'node_modules', '@org', 'go', 'package.json')).version).toBe(version);
    const pkg = readJson<{ devDependencies?: Record<string, string>; dependencies?: Record<string, string> }>(
      join(ws, 'package.json'),
    );
    expect({ ...pkg.dependencies, ...pkg.devDependencies }['@org/go']).toBeDefined();

    const plugins = (readJson<{ plugins?: Array<string | { plugin: string }> }>(join(ws, 'nx.json')).plugins ?? []).map(
      (p) => (typeof p === 'string' ? p : p.plugin),
    );
    expect(plugins).toContain('@org/go');

    const goWork = readFileSync(join(ws, 'go.work'), 'utf8');
    expect(goWork).toMatch(/^go \d+\.\d+/m);

    const attributes = readFileSync(join(ws, '.gitattributes'), 'utf8');
    for (const pattern of ['*.go', '*.sh', 'Dockerfile']) {
      const rule = attributes.split(/\r?\n/).find((l) => l.trim().split(/\s+/)[0] === pattern);
      expect(rule).toMatch(/\beol=lf\b/);
    }
    await pinTypeScriptIfNeeded(ws);
  });

  step(`nx g @org/go:service ${SERVICE} scaffolds a Go service`, async () => {
    const res = await nx(ws, ['g', `@org/go:service`, SERVICE, '--no-interactive']);
    const app = join(ws, 'apps', SERVICE);
    for (const file of ['go.mod', `cmd/${SERVICE}/main.go`, 'Dockerfile', '.dockerignore']) {
      expect(existsSync(join(app, file))).toBe(true);
      expect(res.output).toContain(`apps/${SERVICE}/${file}`);
    }
    const goWork = readFileSync(join(ws, 'go.work'), 'utf8');
    expect(goWork).toMatch(new RegExp(`(^|\\s)\\./apps/${SERVICE}(\\s|\\)|$)`, 'm'));
    const script = join(app, 'scripts', 'wait-for-ready.sh');
    expect(existsSync(script)).toBe(true);
    expect(statSync(script).mode & 0o111).not.toBe(0);
  });

  step(`go test ./... passes in apps/${SERVICE}`, async () => {
    const res = await run('go', ['test', './...'], { cwd: join(ws, 'apps', SERVICE) });
    expect(res.output).toMatch(/^ok\s+/m);
    expect(res.output).not.toMatch(/^FAIL/m);
  });

  step(`nx run ${SERVICE}:lint and :test run through the inferred targets, then replay from cache`, async () => {
    const first = await nx(ws, ['run-many', '-t', 'lint', 'test', `--projects=${SERVICE}`, '--outputStyle=static']);
    expect(first.output).toMatch(new RegExp(`nx run ${SERVICE}:lint`));
    expect(first.output).toMatch(new RegExp(`nx run ${SERVICE}:test`));
    expect(first.output).toMatch(/^ok\s+\S+/m); // go test's own output
    const second = await nx(ws, ['run-many', '-t', 'lint', 'test', `--projects=${SERVICE}`, '--outputStyle=static']);
    expect(second.output).toMatch(/read the output from the cache instead of running the command for 2 out of 2 tasks/);
  });

  step(`nx show project ${SERVICE} lists the inferred Go and Docker targets`, async () => {
    const res = await nx(ws, ['show', 'project', SERVICE, '--json']);
    const project = JSON.parse(res.stdout.slice(res.stdout.indexOf('{'))) as {
      name: string;
      root: string;
      targets: Record<string, { executor?: string }>;
    };
    expect(project.name).toBe(SERVICE);
    expect(project.root).toBe(`apps/${SERVICE}`);
    expect(Object.keys(project.targets)).toEqual(
      expect.arrayContaining(['build', 'test', 'lint', 'docker-build', 'docker-scan', 'docker-run']),
    );
    expect(project.targets['docker-build'].executor).toBe('@org/go:docker-build');
    expect(project.targets['docker-run'].executor).toBe('@org/go:docker-run');
  });

  step(`nx run ${SERVICE}:docker-build builds the image and records it in image.json`, async () => {
    try {
      await pingDocker();
    } catch (e) {
      throw new Error(`the Docker engine is not reachable (${(e as Error).message}); start it with tools/ensure-docker.sh`);
    }
    preexistingImageId = (await inspectImage(`${SERVICE}:latest`))?.Id;
    const res = await nx(ws, ['run', `${SERVICE}:docker-build`], { timeoutMs: 12 * 60 * 1000 });
    // The engine's own build output is shown (classic builder: "Step 1/N : FROM", BuildKit: "[stage 1/N] FROM").
    expect(res.output).toMatch(/\bFROM\b/);

    const recordFile = join(ws, 'dist', 'apps', SERVICE, 'docker', 'image.json');
    expect(existsSync(recordFile)).toBe(true);
    image = readJson<ImageRecord>(recordFile);
    expect(image.id).toMatch(/^(sha256:)?[0-9a-f]{12,}$/);
    expect(image.tags).toContain(`${SERVICE}:latest`);
    expect(image.projectName).toBe(SERVICE);
    expect(Number.isNaN(Date.parse(image.builtAt))).toBe(false);
    expect(typeof image.size).toBe('number');
    expect(image.size).toBeGreaterThan(0);

    const inspected = await inspectImage(`${SERVICE}:latest`);
    expect(inspected).toBeDefined();
    const bare = (id: string) => id.replace(/^sha256:/, '');
    expect(bare(inspected!.Id)).toBe(bare(image.id));
    expect(inspected!.Config.Labels?.['org.opencontainers.image.title']).toBe(SERVICE);
    for (const tag of image.tags) expect(inspected!.RepoTags).toContain(tag.includes(':') ? tag : `${tag}:latest`);
    console.log(
      `[go-e2e] image ${SERVICE}:latest ${bare(inspected!.Id).slice(0, 12)}: ` +
        `${(inspected!.Size / 1e6).toFixed(1)} MB (engine), image.json size ${image.size} bytes, tags ${image.tags.join(', ')}`,
    );
  });

  step(`nx run ${SERVICE}:docker-scan gates on real advisories, replays from cache, re-runs when the ignore file changes`, async () => {
    // The offline Go vulnerability database (from the golang.org/x/vulndb module) and govulncheck, as tools/setup.sh prepares them.
    const vulndb = execFileSync(process.execPath, [join(REPO_ROOT, 'tools/vulndb/build.mjs'), '--print-dir'], { encoding: 'utf8' }).trim();
    const env = { ORG_GO_VULNDB: vulndb };
    const scan = () => nx(ws, ['run', `${SERVICE}:docker-scan`, '--scanner=govulncheck', '--offline'], { env, allowFailure: true, timeoutMs: 5 * 60 * 1000 });
    const recordFile = join(ws, 'dist', 'apps', SERVICE, 'docker', 'scan.json');
    // Nx marks a replayed task on its own line: `> nx run orders:docker-scan … [local cache]`.
    const replayed = new RegExp(`> nx run ${SERVICE}:docker-scan[^\\n]*\\[(local cache|existing outputs match the cache, left as is)\\]`);
    const scanned = /scanning binary \/\S+ of image sha256:/;

    // Built with the Go 1.26 builder, the binary links standard-library code with published advisories: the gate trips.
    const first = await scan();
    expect(first.code).not.toBe(0);
    expect(first.output).toMatch(/FAIL: \d+ advisor(y|ies) at or above CRITICAL \(GO-\d{4}-\d+/);
    const failing = readJson<{ failing: string[]; verdict: string }>(recordFile);
    expect(failing.verdict).toBe('fail');
    expect(failing.failing.length).toBeGreaterThan(0);

    // The team accepts them until the Go upgrade lands: the scan passes and is cached.
    const ignoreFile = join(ws, 'apps', SERVICE, '.vulnignore');
    writeFileSync(ignoreFile, failing.failing.map((id) => `${id} exp:2999-12-31 # until the Go 1.26.9 builder lands`).join('\n') + '\n');
    const second = await scan();
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/PASS: no finding at or above CRITICAL/);
    expect(second.output).toMatch(scanned);
    expect(second.output).not.toMatch(replayed);

    // Same image, same database, same scanner, same ignore file: replayed, nothing scanned.
    const third = await scan();
    expect(third.code).toBe(0);
    expect(third.output).toMatch(replayed);
    expect(readJson<{ verdict: string }>(recordFile).verdict).toBe('pass');

    // A changed ignore file is a new question: scanned again.
    writeFileSync(ignoreFile, `# reviewed ${new Date().toISOString().slice(0, 10)}\n${readFileSync(ignoreFile, 'utf8')}`);
    const fourth = await scan();
    expect(fourth.code).toBe(0);
    expect(fourth.output).not.toMatch(replayed);
    expect(fourth.output).toMatch(scanned);
    expect(fourth.output).toMatch(/PASS/);
  });

  step(`nx run ${SERVICE}:docker-run --detach serves healthy probes, then the container is removed`, async () => {
    hostPort = await getFreePort();
    const before = new Set((await containersFromImage(image!.id)).map((c) => c.Id));
    const res = await nx(ws, ['run', `${SERVICE}:docker-run`, '--detach', `--port=${hostPort}`], {
      timeoutMs: 5 * 60 * 1000,
    });
    const created = (await containersFromImage(image!.id)).filter((c) => !before.has(c.Id));
    for (const c of created) containers.add(c.Id);
    expect(res.output).toMatch(new RegExp(`http://(127\\.0\\.0\\.1|localhost):${hostPort}\\b`));

    // The one container published on our port; its name is the one the command printed.
    const mine = created.filter((c) => c.Ports.some((p) => p.PublicPort === hostPort));
    expect(mine).toHaveLength(1);
    const name = mine[0].Names[0].replace(/^\//, '');
    expect(res.output).toContain(name);
    console.log(`[go-e2e] docker-run started container ${name} on port ${hostPort}`);

    const base = `http://127.0.0.1:${hostPort}`;
    for (const probe of ['/healthz', '/readyz']) {
      const r = await httpGet(`${base}${probe}`);
      expect({ probe, status: r.status }).toEqual({ probe, status: 200 });
    }
    const info = await inspectContainer(name);
    expect(info?.State.Running).toBe(true);
    expect(info?.State.Health?.Status).toBe('healthy');
    expect(info?.Config.Image).toMatch(new RegExp(`^(${SERVICE}(:latest)?|(sha256:)?${image!.id.replace(/^sha256:/, '')})$`));

    await stopAndRemoveContainer(name);
    expect(await inspectContainer(name)).toBeUndefined();
    await expect(httpGet(`${base}/healthz`, 2000)).rejects.toThrow();
    containers.delete(mine[0].Id);
  });

  step(`Ctrl-C on nx run ${SERVICE}:docker-run (foreground) stops and removes the container`, async () => {
    const port = await getFreePort();
    const name = `${SERVICE}-ctrlc`;
    // As a terminal does: the whole process group of `nx` gets SIGINT.
    const child = spawn(join(ws, 'node_modules', '.bin', 'nx'), ['run', `${SERVICE}:docker-run`, `--port=${port}`, `--name=${name}`], {
      cwd: ws,
      env: e2eEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    containers.add(name);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 3 * 60 * 1000;
      while (!output.includes(`http://127.0.0.1:${port}`) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(output).toContain(`http://127.0.0.1:${port} (container ${name})`);
      expect((await httpGet(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      process.kill(-(child.pid as number), 'SIGINT');
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 60_000))]);
      expect(code).not.toBe('timeout');
      // Nx may exit before the task prints its last lines; the container is what must be gone.
      const gone = Date.now() + 30_000;
      while ((await inspectContainer(name)) !== undefined && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await inspectContainer(name)).toBeUndefined();
      console.log(`[go-e2e] Ctrl-C: nx exited with ${String(code)}; output ends: ${JSON.stringify(output.trim().split('\n').slice(-2))}`);
      containers.delete(name);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    }
  });
});

