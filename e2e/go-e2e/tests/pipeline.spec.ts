import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { docker, engineAnswers, pingDocker } from '../src/docker';
import { startImageRegistry, type ImageRegistry } from '../src/image-registry';
import { clearRunRecord, readTaskOutcomes, taskOutput, type TaskOutcome } from '../src/nx-tasks';
import { pluginVersion, registryUrl, run, setCommandLogDir, type RunResult } from '../src/run';
import { stepRunner } from '../src/steps';

/**
 * Issue #7, end to end as a new user: a workspace from the published plugin with 6 services and 3
 * libraries, the affected pipeline (lint test docker-build docker-scan docker-push) against a local
 * image registry after each kind of commit, then the same pipeline on "another machine" (a second,
 * empty engine and a copy of the workspace with its Nx cache).
 */

const TYPESCRIPT_PIN = '5.9.3';
const CREATE_NX_WORKSPACE = 'create-nx-workspace@23.2.1';
const WORKSPACE = 'shop';
const REPO_ROOT = join(__dirname, '..', '..', '..');
const GOTOOLCHAIN = 'go1.27.3';
const SECOND_ENGINE = 'unix:///var/run/org-go-docker2.sock';

/** Services (no name another spec uses) and which libraries each imports. */
const SERVICES = ['plapple', 'plbanana', 'plcherry', 'pldamson', 'plelder', 'plfig'] as const;
const LIBRARIES = ['wide', 'narrow', 'shared'] as const;
const USES: Record<string, string[]> = {
  plapple: ['wide', 'narrow'],
  plbanana: ['wide', 'shared'],
  plcherry: ['wide', 'shared'],
  pldamson: ['wide'],
  plelder: ['wide'],
  plfig: ['wide'],
};
const PROJECTS: string[] = [...SERVICES, ...LIBRARIES].sort();
const ALL_SERVICES: string[] = [...SERVICES].sort();
const TARGETS = ['lint', 'test', 'docker-build', 'docker-scan', 'docker-tag', 'docker-push'] as const;
const PIPELINE = ['lint', 'test', 'docker-build', 'docker-scan', 'docker-push'];

interface ImageRecord {
  id: string;
  tags: string[];
  projectName: string;
  builtAt: string;
}

/** docker-push's record of what it pushed (push.json, beside image.json). */
interface PushRecord {
  id: string;
  repoDigests: string[];
  digests: Record<string, string>;
}

interface Row {
  step: string;
  targets: Record<string, { executed: string[]; cached: string[] }>;
  rebuilt: string[];
  pushed: Record<string, string[]>;
  seconds: number;
  /** Step 4: how each image reached the second engine. */
  sources?: Record<string, string>;
}

const rows: Row[] = [];
const { formatTimings, setupStep, step } = stepRunner();
const sorted = (values: Iterable<string>) => [...values].sort();
const bare = (id: string) => id.replace(/^sha256:/, '');

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

describe('@org/go: the affected pipeline of a new user, commit by commit, then on another machine', () => {
  const logDir = join(tmpdir(), 'go-pipeline-e2e-last');
  let root = '';
  let ws = '';
  let ws2 = '';
  let registry: ImageRegistry | undefined;
  let vulndb = '';
  /** Module path of each project, from its go.mod. */
  const modules: Record<string, string> = {};
  /** Every image id image.json recorded during the run, for the clean-up. */
  const seenIds = new Set<string>();
  const engine2 = new Docker({ socketPath: SECOND_ENGINE.replace(/^unix:\/\//, '') });
  let usedEngine2 = false;

  const env = (extra: Record<string, string | undefined> = {}) => ({ GOTOOLCHAIN, ORG_GO_VULNDB: vulndb, GOWORK: undefined, ...extra });
  const nx = (dir: string, args: string[], extra: Record<string, string | undefined> = {}, allowFailure = false) =>
    run('npx', ['nx', ...args], { cwd: dir, env: env(extra), allowFailure, timeoutMs: 8 * 60 * 1000 });
  const git = (dir: string, args: string[]) => run('git', args, { cwd: dir });
  const imageFile = (dir: string, name: string) => join(dir, 'dist', 'apps', name, 'docker', 'image.json');
  const pushFile = (dir: string, name: string) => join(dir, 'dist', 'apps', name, 'docker', 'push.json');

  function images(dir: string): Record<string, ImageRecord | undefined> {
    const out: Record<string, ImageRecord | undefined> = {};
    for (const name of SERVICES) {
      const file = imageFile(dir, name);
      out[name] = existsSync(file) ? readJson<ImageRecord>(file) : undefined;
      if (out[name]) seenIds.add(out[name]!.id);
    }
    return out;
  }

  async function registryState(): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    for (const name of SERVICES) out[name] = await registry!.snapshot(name);
    return out;
  }

  async function commit(message: string): Promise<void> {
    await git(ws, ['add', '-A']);
    await git(ws, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', message]);
  }

  /** Runs the pipeline and reads, per target, which projects ran it and which replayed it. */
  async function pipeline(dir: string, args: string[], extra: Record<string, string | undefined> = {}) {
    const cacheDir = join(dir, '.nx', 'cache');
    clearRunRecord(cacheDir);
    const result: RunResult = await nx(dir, [...args, '-t', ...PIPELINE, '--outputStyle=static'], extra, true);
    if (result.code !== 0) throw new Error(`\`${result.command}\` exited ${result.code}\n${result.output}`);
    const outcomes = readTaskOutcomes(cacheDir, result.output, 'lint');
    const byTarget: Row['targets'] = {};
    for (const target of TARGETS) {
      const of = (outcome: TaskOutcome) =>
        sorted(
          Object.entries(outcomes.tasks)
            .filter(([id, o]) => o === outcome && id.endsWith(`:${target}`))
            .map(([id]) => id.slice(0, -target.length - 1)),
        );
      byTarget[target] = { executed: of('executed'), cached: of('cached') };
    }
    const unknown = Object.keys(outcomes.tasks).filter((id) => !TARGETS.some((t) => id.endsWith(`:${t}`)));
    expect(unknown).toEqual([]);
    return { result, targets: byTarget };
  }

  /**
   * One commit and the affected pipeline after it: which tasks ran, which images changed (image.json
   * and the engine), which tags the registry got or moved.
   */
  async function commitAndRun(name: string, message: string) {
    await commit(message);
    const beforeImages = images(ws);
    const beforeRegistry = await registryState();
    const started = Date.now();
    const { targets } = await pipeline(ws, ['affected', '--base=HEAD~1', '--head=HEAD']);
    const seconds = (Date.now() - started) / 1000;
    const afterImages = images(ws);
    const afterRegistry = await registryState();
    const rebuilt = ALL_SERVICES.filter((s) => beforeImages[s]?.id !== afterImages[s]?.id);
    const pushed: Record<string, string[]> = {};
    for (const s of ALL_SERVICES) {
      const moved = Object.keys(afterRegistry[s]).filter((tag) => afterRegistry[s][tag] !== beforeRegistry[s][tag]);
      if (moved.length) pushed[s] = sorted(moved);
      // A tag once pushed is never lost or moved elsewhere than image.json's digest.
      for (const tag of Object.keys(beforeRegistry[s])) expect({ s, tag, present: tag in afterRegistry[s] }).toEqual({ s, tag, present: true });
    }
    // The engine holds every recorded image; unchanged records are still the engine's image for their tags.
    for (const s of ALL_SERVICES) {
      const record = afterImages[s]!;
      const inspected = await docker().getImage(record.id).inspect();
      expect(bare(inspected.Id)).toBe(bare(record.id));
    }
    const row: Row = { step: name, targets, rebuilt, pushed, seconds };
    rows.push(row);
    console.log(`[go-pipeline-e2e] ${name}: ${JSON.stringify({ targets, rebuilt, pushed })}`);
    return { row, beforeImages, afterImages, beforeRegistry, afterRegistry };
  }

  /** Only `projects` ran `target` (none replayed from the cache unless listed in `cached`). */
  function expectTarget(row: Row, target: string, executed: string[], cached: string[] = []) {
    expect({ target, ...row.targets[target] }).toEqual({ target, executed: sorted(executed), cached: sorted(cached) });
  }

  /** After a push, every tag docker-tag planned is in the registry at the digest push.json records for the image image.json records. */
  async function expectPushed(name: string) {
    const record = readJson<PushRecord>(pushFile(ws, name));
    expect(record.id).toBe(readJson<ImageRecord>(imageFile(ws, name)).id);
    const plan = readJson<{ tags: Array<{ tag: string; reference: string }> }>(join(ws, 'dist', 'apps', name, 'docker', 'tags.json'));
    const state = await registry!.snapshot(name);
    for (const { tag, reference } of plan.tags) {
      expect({ name, tag, digest: state[tag] }).toEqual({ name, tag, digest: record.digests[reference] });
    }
    expect(record.repoDigests.length).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    rmSync(logDir, { recursive: true, force: true });
    setCommandLogDir(logDir);
    root = mkdtempSync(join(tmpdir(), 'go-pipeline-e2e-'));
    ws = join(root, WORKSPACE);
    ws2 = join(root, `${WORKSPACE}-other-machine`);
    console.log(`[go-pipeline-e2e] @org/go@${pluginVersion()} from ${registryUrl()}; workspace ${ws}; log ${logDir}/commands.log`);
  });

  afterAll(async () => {
    const errors: string[] = [];
    const note = (what: string) => (e: Error) => errors.push(`${what}: ${e.message}`);
    if (ws) images(ws);
    if (ws2) images(ws2);
    // Images of this run: every id image.json recorded, and anything tagged with this spec's service names
    // (no other spec uses them), also when a build failed before writing its record. Both engines.
    const removeOurs = async (engine: Docker) => {
      for (const id of seenIds) await engine.getImage(id).remove({ force: true }).catch(() => undefined);
      const references = SERVICES.flatMap((name) => [name, ...(registry ? [`${registry.host}/${name}`] : [])]);
      const left = await engine.listImages({ filters: { reference: references } }).catch(() => []);
      for (const image of left) await engine.getImage(image.Id).remove({ force: true })
          .catch((e: Error & { statusCode?: number }) => (e.statusCode === 404 ? undefined : note(`image ${image.Id}`)(e)));
    };
    if (await engineAnswers()) await removeOurs(docker());
    if (usedEngine2) await removeOurs(engine2);
    if (registry) await registry.dispose().catch(note('registry'));
    if (root && !process.env.GO_E2E_KEEP) rmSync(root, { recursive: true, force: true });
    console.log(`[go-pipeline-e2e] timings (s):\n${formatTimings()}`);
    console.log(`[go-pipeline-e2e] table:\n${formatTable()}`);
    if (errors.length) console.warn(`[go-pipeline-e2e] cleanup problems:\n${errors.join('\n')}`);
  });

  setupStep('create-nx-workspace from the local registry, nx add @org/go', async () => {
    await pingDocker();
    vulndb = execFileSync(process.execPath, [join(REPO_ROOT, 'tools/vulndb/build.mjs'), '--print-dir'], { encoding: 'utf8' }).trim();
    registry = await startImageRegistry();
    const created = await run(
      'npx',
      ['-y', CREATE_NX_WORKSPACE, WORKSPACE, '--preset=apps', '--nxCloud=skip', '--packageManager=npm', '--interactive=false', '--skipGit=false', '--aiAgents=none', '--analytics=false', '--skipGitHubPush'],
      { cwd: root, timeoutMs: 10 * 60 * 1000 },
    );
    expect(created.output).toMatch(/Successfully created the workspace/);
    const pinTypeScript = async () => {
      const tsPkg = join(ws, 'node_modules', 'typescript', 'package.json');
      if (existsSync(tsPkg) && Number(readJson<{ version: string }>(tsPkg).version.split('.')[0]) >= 6) {
        await run('npm', ['install', '--save-dev', '--save-exact', `typescript@${TYPESCRIPT_PIN}`], { cwd: ws });
      }
    };
    await pinTypeScript();
    // Nx 23 keeps its cache in ~/.nx/<workspace id> unless nx.json names a folder; CI persists a folder of
    // the checkout, and "another machine" below is a copy of the checkout with that folder.
    const nxJsonFile = join(ws, 'nx.json');
    writeFileSync(nxJsonFile, `${JSON.stringify({ ...readJson<object>(nxJsonFile), cacheDirectory: '.nx/cache' }, null, 2)}\n`);
    const added = await nx(ws, ['add', `@org/go@${pluginVersion()}`]);
    expect(added.output).toMatch(/Package @org\/go added successfully/);
    await pinTypeScript();
  });

  setupStep('nx g: 6 services and 3 libraries with real imports; prebuilt images, local registry, offline scan; commit', async () => {
    for (const lib of LIBRARIES) await nx(ws, ['g', '@org/go:library', lib, '--no-interactive']);
    for (const svc of SERVICES) await nx(ws, ['g', '@org/go:service', svc, '--no-interactive']);
    for (const project of [...LIBRARIES.map((l) => `libs/${l}`), ...SERVICES.map((s) => `apps/${s}`)]) {
      const name = project.split('/')[1];
      modules[name] = /^module\s+(\S+)/m.exec(readFileSync(join(ws, project, 'go.mod'), 'utf8'))![1];
    }
    // Each library gets a revision its users read, so a change to it is a change to their binaries.
    for (const lib of LIBRARIES) {
      const file = join(ws, 'libs', lib, `${lib}.go`);
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n// Rev names this revision of the package.\nvar Rev = "r0"\n`);
    }
    // Each service's handler calls what it imports.
    for (const svc of SERVICES) {
      const file = join(ws, 'apps', svc, 'internal', 'server', 'handlers.go');
      let text = readFileSync(file, 'utf8');
      text = text.replace('"net/http"\n', `"net/http"\n${USES[svc].map((lib) => `\t"${modules[lib]}"\n`).join('')}`);
      expect(text).toContain('encode(w, http.StatusOK, info)');
      text = text.replace('encode(w, http.StatusOK, info)', 'w.Header().Set("X-Libraries", libraries())\n\t\tencode(w, http.StatusOK, info)');
      text += `
// handlerRev changes whenever the handler does.
var handlerRev = "h0"

// libraries names the libraries this service is built with, through their own code.
func libraries() string {
	return ${USES[svc].map((lib) => `${lib}.Normalize(" ${lib}  " + ${lib}.Rev)`).join(' + ", " + ')} + " " + handlerRev
}
`;
      writeFileSync(file, text);
    }
    const nxJsonFile = join(ws, 'nx.json');
    const nxJson = readJson<{ cacheDirectory?: string; plugins?: Array<string | { plugin: string; options?: Record<string, unknown> }>; targetDefaults?: Record<string, unknown> }>(nxJsonFile);
    nxJson.plugins = (nxJson.plugins ?? []).map((p) => {
      const entry = typeof p === 'string' ? { plugin: p } : p;
      return entry.plugin === '@org/go' ? { ...entry, options: { ...entry.options, dockerBuildMode: 'prebuilt' } } : p;
    });
    expect(nxJson.cacheDirectory).toBe('.nx/cache');
    nxJson.targetDefaults = {
      ...nxJson.targetDefaults,
      '@org/go:docker-tag': { options: { repository: `${registry!.host}/{projectName}` } },
      '@org/go:docker-scan': { options: { scanner: 'govulncheck', offline: true } },
    };
    writeFileSync(nxJsonFile, `${JSON.stringify(nxJson, null, 2)}\n`);
    const goWork = readFileSync(join(ws, 'go.work'), 'utf8');
    for (const p of [...SERVICES.map((s) => `apps/${s}`), ...LIBRARIES.map((l) => `libs/${l}`)]) expect(goWork).toContain(`./${p}`);

    // The import graph the plugin sees: exactly the imports written above.
    const graphFile = join(root, 'graph.json');
    await nx(ws, ['graph', `--file=${graphFile}`]);
    const graph = readJson<{ graph: { dependencies: Record<string, Array<{ target: string }>> } }>(graphFile);
    for (const svc of SERVICES) {
      const deps = sorted((graph.graph.dependencies[svc] ?? []).map((d) => d.target).filter((t) => PROJECTS.includes(t)));
      expect({ svc, deps }).toEqual({ svc, deps: sorted(USES[svc]) });
    }
    await commit('feat: six services and three libraries');
  });

  setupStep('full pipeline: every project lints and tests, every service is built, scanned, tagged and pushed', async () => {
    const before = images(ws);
    const started = Date.now();
    const { targets } = await pipeline(ws, ['run-many']);
    const row: Row = { step: '2 first run (run-many)', targets, rebuilt: [], pushed: {}, seconds: (Date.now() - started) / 1000 };
    const after = images(ws);
    row.rebuilt = ALL_SERVICES.filter((s) => before[s]?.id !== after[s]?.id);
    for (const s of ALL_SERVICES) row.pushed[s] = await registry!.tags(s);
    rows.push(row);
    expectTarget(row, 'lint', PROJECTS);
    expectTarget(row, 'test', PROJECTS);
    for (const t of ['docker-build', 'docker-scan', 'docker-tag', 'docker-push']) expectTarget(row, t, ALL_SERVICES);
    expect(row.rebuilt).toEqual(ALL_SERVICES);
    for (const s of ALL_SERVICES) {
      expect(row.pushed[s].length).toBeGreaterThan(0);
      await expectPushed(s);
    }
  });

  const others = (...changed: string[]) => ALL_SERVICES.filter((s) => !changed.includes(s));

  step('3a a service handler changes: only that service runs, only its image and tags change', async () => {
    const file = join(ws, 'apps', 'plapple', 'internal', 'server', 'handlers.go');
    writeFileSync(file, readFileSync(file, 'utf8').replace('var handlerRev = "h0"', 'var handlerRev = "h1"'));
    const { row, beforeRegistry, afterRegistry } = await commitAndRun('3a handler of plapple', 'feat(plapple): new handler revision');
    for (const t of TARGETS) expectTarget(row, t, ['plapple']);
    expect(row.rebuilt).toEqual(['plapple']);
    expect(Object.keys(row.pushed)).toEqual(['plapple']);
    for (const s of others('plapple')) expect(afterRegistry[s]).toEqual(beforeRegistry[s]);
    await expectPushed('plapple');
  });

  step('3b the narrow library changes: the library and its one service', async () => {
    const file = join(ws, 'libs', 'narrow', 'narrow.go');
    writeFileSync(file, readFileSync(file, 'utf8').replace('var Rev = "r0"', 'var Rev = "r1"'));
    const { row, beforeRegistry, afterRegistry } = await commitAndRun('3b narrow library', 'fix(narrow): new revision');
    expectTarget(row, 'lint', ['narrow', 'plapple']);
    expectTarget(row, 'test', ['narrow', 'plapple']);
    for (const t of ['docker-build', 'docker-scan', 'docker-tag', 'docker-push']) expectTarget(row, t, ['plapple']);
    expect(row.rebuilt).toEqual(['plapple']);
    expect(Object.keys(row.pushed)).toEqual(['plapple']);
    for (const s of others('plapple')) expect(afterRegistry[s]).toEqual(beforeRegistry[s]);
    await expectPushed('plapple');
  });

  step('3c the wide library changes: all six services', async () => {
    const file = join(ws, 'libs', 'wide', 'wide.go');
    writeFileSync(file, readFileSync(file, 'utf8').replace('var Rev = "r0"', 'var Rev = "r1"'));
    const { row } = await commitAndRun('3c wide library', 'fix(wide): new revision');
    expectTarget(row, 'lint', ['wide', ...ALL_SERVICES]);
    expectTarget(row, 'test', ['wide', ...ALL_SERVICES]);
    for (const t of ['docker-build', 'docker-scan', 'docker-tag', 'docker-push']) expectTarget(row, t, ALL_SERVICES);
    expect(row.rebuilt).toEqual(ALL_SERVICES);
    expect(Object.keys(row.pushed)).toEqual(ALL_SERVICES);
    for (const s of ALL_SERVICES) await expectPushed(s);
  });

  step('3d only a README changes: nothing is built again', async () => {
    const file = join(ws, 'apps', 'plbanana', 'README.md');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nSee the team wiki for the runbook.\n`);
    const { row, beforeImages, afterImages, beforeRegistry, afterRegistry } = await commitAndRun('3d README of plbanana', 'docs(plbanana): runbook link');
    // The project is affected, but no Go or image input changed: everything cacheable replays.
    expectTarget(row, 'lint', [], ['plbanana']);
    expectTarget(row, 'test', [], ['plbanana']);
    expectTarget(row, 'docker-build', [], ['plbanana']);
    expectTarget(row, 'docker-scan', [], ['plbanana']);
    // docker-tag and docker-push are never cached: they tag the same image for the new commit and push that tag.
    expectTarget(row, 'docker-tag', ['plbanana']);
    expectTarget(row, 'docker-push', ['plbanana']);
    expect(row.rebuilt).toEqual([]);
    expect(afterImages.plbanana!.id).toBe(beforeImages.plbanana!.id);
    const oldDigests = new Set(Object.values(beforeRegistry.plbanana));
    for (const tag of row.pushed.plbanana ?? []) expect(oldDigests.has(afterRegistry.plbanana[tag])).toBe(true);
    for (const s of others('plbanana')) expect(afterRegistry[s]).toEqual(beforeRegistry[s]);
  });

  step('3e only a _test.go file changes: its tests run, its image is not built again', async () => {
    const file = join(ws, 'apps', 'plcherry', 'cmd', 'plcherry', 'main_test.go');
    expect(existsSync(file)).toBe(true);
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n// A note for whoever adds the next test.\n`);
    const { row, beforeImages, afterImages, beforeRegistry, afterRegistry } = await commitAndRun('3e _test.go of plcherry', 'test(plcherry): note');
    expectTarget(row, 'lint', ['plcherry']);
    expectTarget(row, 'test', ['plcherry']);
    expectTarget(row, 'docker-build', [], ['plcherry']);
    expectTarget(row, 'docker-scan', [], ['plcherry']);
    expectTarget(row, 'docker-tag', ['plcherry']);
    expectTarget(row, 'docker-push', ['plcherry']);
    expect(row.rebuilt).toEqual([]);
    expect(afterImages.plcherry!.id).toBe(beforeImages.plcherry!.id);
    const oldDigests = new Set(Object.values(beforeRegistry.plcherry));
    for (const tag of row.pushed.plcherry ?? []) expect(oldDigests.has(afterRegistry.plcherry[tag])).toBe(true);
    for (const s of others('plcherry')) expect(afterRegistry[s]).toEqual(beforeRegistry[s]);
  });

  step('3f go.work changes (a comment): an input of every Go target, so every project runs again', async () => {
    // What each image is made of before: its layers (the runtime files and the binary) and its labels.
    const layersBefore: Record<string, string[]> = {};
    const labelsBefore: Record<string, Record<string, string>> = {};
    for (const [s, record] of Object.entries(images(ws))) {
      const inspected = await docker().getImage(record!.id).inspect();
      layersBefore[s] = inspected.RootFS.Layers ?? [];
      labelsBefore[s] = inspected.Config.Labels ?? {};
    }
    const file = join(ws, 'go.work');
    writeFileSync(file, `// Workspace of the shop; every Go module is listed below.\n${readFileSync(file, 'utf8')}`);
    const { row, beforeImages, afterImages } = await commitAndRun('3f go.work comment', 'chore: comment go.work');
    expectTarget(row, 'lint', PROJECTS);
    expectTarget(row, 'test', PROJECTS);
    for (const t of ['docker-build', 'docker-scan', 'docker-tag', 'docker-push']) expectTarget(row, t, ALL_SERVICES);
    // Built again at a new commit, each image gets a new id, but only its labels changed: the binaries and
    // runtime files are byte for byte the same layers (prebuilt images are reproducible).
    expect(row.rebuilt).toEqual(ALL_SERVICES);
    const changedLabels = new Set<string>();
    for (const s of ALL_SERVICES) {
      expect(afterImages[s]!.id).not.toBe(beforeImages[s]!.id);
      const inspected = await docker().getImage(afterImages[s]!.id).inspect();
      expect({ s, layers: inspected.RootFS.Layers }).toEqual({ s, layers: layersBefore[s] });
      const labels = inspected.Config.Labels ?? {};
      for (const key of new Set([...Object.keys(labels), ...Object.keys(labelsBefore[s])])) if (labels[key] !== labelsBefore[s][key]) changedLabels.add(key);
    }
    console.log(`[go-pipeline-e2e] 3f: image labels that changed: ${[...changedLabels].join(', ')}`);
    expect(changedLabels.size).toBeGreaterThan(0);
  });

  step('4 another machine: an empty second engine and a copy of the workspace with its Nx cache', async () => {
    await run('bash', [join(REPO_ROOT, 'tools', 'ensure-docker.sh'), '--second'], { cwd: REPO_ROOT });
    usedEngine2 = true;
    const recorded = images(ws);
    // The second engine starts without this run's images.
    for (const s of ALL_SERVICES) await engine2.getImage(recorded[s]!.id).remove({ force: true }).catch(() => undefined);
    await run('cp', ['-a', ws, ws2], { cwd: root });
    const beforeRegistry = await registryState();
    const started = Date.now();
    let replay: Awaited<ReturnType<typeof pipeline>>;
    try {
      replay = await pipeline(ws2, ['run-many'], { DOCKER_HOST: SECOND_ENGINE });
    } catch (e) {
      // The second engine is shared with other specs, which may restart it: then once more, as CI would retry.
      if (!(e as Error).message.includes(`Cannot reach the Docker engine at ${SECOND_ENGINE}`)) throw e;
      console.warn('[go-pipeline-e2e] 4: the second engine went away during the run (restarted by someone else?); running again');
      await run('bash', [join(REPO_ROOT, 'tools', 'ensure-docker.sh'), '--second'], { cwd: REPO_ROOT });
      for (const s of ALL_SERVICES) await engine2.getImage(recorded[s]!.id).remove({ force: true }).catch(() => undefined);
      replay = await pipeline(ws2, ['run-many'], { DOCKER_HOST: SECOND_ENGINE });
    }
    const { targets, result } = replay;
    const row: Row = { step: '4 other machine (run-many)', targets, rebuilt: [], pushed: {}, seconds: (Date.now() - started) / 1000 };
    const after = images(ws2);
    row.rebuilt = ALL_SERVICES.filter((s) => after[s]?.id !== recorded[s]?.id);
    const afterRegistry = await registryState();
    for (const s of ALL_SERVICES) {
      const moved = Object.keys(afterRegistry[s]).filter((tag) => afterRegistry[s][tag] !== beforeRegistry[s][tag]);
      if (moved.length) row.pushed[s] = moved;
    }
    rows.push(row);
    // Every cacheable task replays; docker-tag and docker-push are not cacheable and run, with nothing new to push.
    for (const t of ['lint', 'test']) expectTarget(row, t, [], PROJECTS);
    for (const t of ['docker-build', 'docker-scan']) expectTarget(row, t, [], ALL_SERVICES);
    for (const t of ['docker-tag', 'docker-push']) expectTarget(row, t, ALL_SERVICES);
    expect(row.rebuilt).toEqual([]);
    expect(row.pushed).toEqual({});
    // Every image image.json claims is really in the second engine, with the id image.json records. docker-tag
    // (not cacheable) brings it there through ensure-image: Nx restored image.json from docker-build's cache
    // entry, and docker-push's record of the push (push.json, not an output of docker-build) is still beside
    // it, so every image is pulled by its pushed digest, none rebuilt.
    const sources: Record<string, string> = {};
    for (const s of ALL_SERVICES) {
      const inspected = await engine2.getImage(after[s]!.id).inspect();
      expect(bare(inspected.Id)).toBe(bare(after[s]!.id));
      const tag = taskOutput(result.output, `${s}:docker-tag`);
      sources[s] = new RegExp(`${s}: pulled \\S+@sha256:[0-9a-f]{64} \\(the recorded image was not in this engine; digest from the push record\\)`).test(tag)
        ? 'pulled'
        : /rebuilding with/.test(tag)
          ? 'rebuilt'
          : 'present';
    }
    row.sources = sources;
    console.log(`[go-pipeline-e2e] 4: how each image reached the second engine: ${JSON.stringify(sources)}`);
    expect(sources).toEqual(Object.fromEntries(ALL_SERVICES.map((s) => [s, 'pulled'])));

    // A runner that has only the Nx cache (no dist/ of an earlier run, so no push.json or tags.json): the
    // image is found by its tags in the registry (a manifest whose config is the recorded image id) and
    // pulled by digest, not rebuilt.
    const record = readJson<ImageRecord>(imageFile(ws2, 'plapple'));
    const pushed = readJson<PushRecord>(pushFile(ws2, 'plapple'));
    for (const file of ['push.json', 'tags.json']) rmSync(join(ws2, 'dist', 'apps', 'plapple', 'docker', file));
    await engine2.getImage(record.id).remove({ force: true });
    const tagged = await nx(ws2, ['run', 'plapple:docker-tag', '--excludeTaskDependencies', '--outputStyle=static'], { DOCKER_HOST: SECOND_ENGINE });
    expect(tagged.output).toContain(`plapple: pulled ${pushed.repoDigests[0]} (the recorded image was not in this engine; found in the registry as ${pushed.repoDigests[0].split('@')[0]}:`);
    expect(tagged.output).not.toContain('rebuilding');
    expect(bare((await engine2.getImage(record.id).inspect()).Id)).toBe(bare(record.id));
  });

  function formatTable(): string {
    const cell = (values: string[]) => (values.length ? values.join(' ') : '—');
    const lines = ['| step | s | ' + TARGETS.join(' | ') + ' | images rebuilt | tags pushed (new or moved) |', `|---|---|${TARGETS.map(() => '---').join('|')}|---|---|`];
    for (const row of rows) {
      const targets = TARGETS.map((t) => {
        const o = row.targets[t] ?? { executed: [], cached: [] };
        return `${cell(o.executed)}${o.cached.length ? ` (cached: ${o.cached.join(' ')})` : ''}`;
      });
      const pushed = Object.entries(row.pushed).map(([s, tags]) => `${s}: ${tags.join(', ')}`);
      const rebuilt = row.sources ? Object.entries(row.sources).map(([s, how]) => `${s} (${how})`) : row.rebuilt;
      lines.push(`| ${row.step} | ${row.seconds.toFixed(0)} | ${targets.join(' | ')} | ${cell(rebuilt)} | ${pushed.length ? pushed.join('; ') : '—'} |`);
    }
    return lines.join('\n');
  }
});
