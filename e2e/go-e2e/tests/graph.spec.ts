import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containersFromImage, docker, engineAnswers, inspectImage, pingDocker, removeContainer } from '../src/docker';
import { appendLine, bumpRev, CACHE_DIRECTORY, pluginDist, writeGraphWorkspace } from '../src/graph-workspace';
import { git, nxLocal, runLocal, type LocalRunResult } from '../src/local-run';
import { clearRunRecord, createdImageIds, readTaskOutcomes, taskOutput, type TaskOutcomes } from '../src/nx-tasks';
import { stepRunner } from '../src/steps';

/**
 * The Go import graph of @org/go decides what `nx affected` selects and what the Nx cache replays:
 * after each commit only the images whose Go packages changed are built again, the others keep their
 * image. Runs in a hand-made workspace (the built plugin from dist, Nx from this repository), no registry.
 */

/** Tags of this run only: `<namespace>/<project>:latest` and `:<git sha>`, so no image of anyone else moves. */
const NAMESPACE = `go-graph-e2e-${Date.now().toString(36)}${process.pid.toString(36)}`;

/** Services with a Dockerfile, by project root. */
const IMAGES: Record<string, string> = {
  s1: 'apps/s1',
  s2: 'apps/s2',
  s3: 'apps/s3',
  s4: 'apps/s4',
  s5: 'apps/s5',
  api: 'mono/cmd/api',
  worker: 'mono/cmd/worker',
};
const IMAGE_NAMES = Object.keys(IMAGES).sort();
const LIBRARIES = ['geo', 'kit', 'legacy', 'money', 'mono'];
const PROJECTS = [...IMAGE_NAMES, ...LIBRARIES].sort();

/** Every import between projects, by the kind the plugin gives it (none from the text that only looks like one). */
const IMPORTS: Record<string, { normal: string[]; test: string[]; platform: string[] }> = {
  s1: { normal: ['geo', 'money'], test: [], platform: [] },
  s2: { normal: ['geo', 'money'], test: [], platform: [] },
  s3: { normal: ['money'], test: ['kit'], platform: [] },
  s4: { normal: ['money'], test: [], platform: ['kit'] },
  s5: { normal: ['legacy', 'money'], test: [], platform: ['geo'] },
  api: { normal: ['mono'], test: [], platform: [] },
  worker: { normal: ['mono'], test: [], platform: [] },
  geo: { normal: [], test: [], platform: [] },
  kit: { normal: [], test: [], platform: [] },
  legacy: { normal: [], test: [], platform: [] },
  money: { normal: [], test: [], platform: [] },
  mono: { normal: [], test: [], platform: [] },
};
const EDGES = Object.entries(IMPORTS)
  .flatMap(([source, kinds]) => [...kinds.normal, ...kinds.test, ...kinds.platform].map((target) => `${source} -> ${target}`))
  .sort();

interface ImageRecord {
  projectName: string;
  id: string;
  tags: string[];
  builtAt: string;
}

interface Row {
  step: string;
  affected: string[];
  executed: string[];
  cached: string[];
  failed: string[];
}

const rows: Row[] = [];
const { formatTimings, setupStep, step } = stepRunner();

const sorted = (values: Iterable<string>) => [...values].sort();

describe('@org/go: the Go import graph drives nx affected and the Nx cache', () => {
  const logDir = join(tmpdir(), 'go-graph-e2e-last');
  let root = '';
  let ws = '';
  /** Image ids the builds of this run created, in build order (final images and build-stage leftovers). */
  const createdIds: string[] = [];
  /** Image ids recorded in image.json files during this run. */
  const recordedIds = new Set<string>();
  /** Host `build` runs, kept for the checks on single projects. */
  let firstHostBuild: { outcomes: TaskOutcomes; output: string } | undefined;
  let hostBuildAfterGeoB: TaskOutcomes | undefined;

  const nx = (args: string[], allowFailure = false) => nxLocal(ws, args, { logDir, allowFailure, env: { GOWORK: undefined } });
  const cacheDirectory = () => join(ws, CACHE_DIRECTORY);

  function readImageRecord(name: string): ImageRecord | undefined {
    const file = join(ws, 'dist', IMAGES[name], 'docker', 'image.json');
    if (!existsSync(file)) return undefined;
    const record = JSON.parse(readFileSync(file, 'utf8')) as ImageRecord;
    recordedIds.add(record.id);
    return record;
  }

  function imageRecords(): Record<string, ImageRecord | undefined> {
    return Object.fromEntries(IMAGE_NAMES.map((name) => [name, readImageRecord(name)]));
  }

  async function commit(message: string): Promise<void> {
    await git(ws, ['add', '-A'], { logDir });
    await git(ws, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', message], { logDir });
  }

  /** Runs an Nx task command and reads which tasks ran, replayed or failed. */
  async function runTasks(args: string[], target: string): Promise<{ result: LocalRunResult; outcomes: TaskOutcomes }> {
    clearRunRecord(cacheDirectory());
    const result = await nx([...args, '--outputStyle=static'], true);
    if (target === 'docker-build') createdIds.push(...createdImageIds(result.output).filter((id) => !createdIds.includes(id)));
    const outcomes = readTaskOutcomes(cacheDirectory(), result.output, target);
    const expectedCode = Object.values(outcomes.tasks).includes('failed') ? 1 : 0;
    if (result.code !== expectedCode) throw new Error(`\`${result.command}\` exited ${result.code}\n${result.output}`);
    return { result, outcomes };
  }

  async function affectedProjects(): Promise<string[]> {
    const { stdout } = await nx(['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json']);
    return sorted(JSON.parse(stdout) as string[]);
  }

  /**
   * How each image changed since `before`: `rebuilt` (image.json records another build), `unchanged`
   * (the same record, or still none), `removed`; and whether the engine's `:latest` tag and every
   * recorded tag point at the recorded id.
   */
  async function imageChanges(before: Record<string, ImageRecord | undefined>) {
    const changes: Record<string, 'unchanged' | 'rebuilt' | 'removed'> = {};
    const tagProblems: string[] = [];
    for (const name of IMAGE_NAMES) {
      const now = readImageRecord(name);
      const previous = before[name];
      if (!now) {
        changes[name] = previous ? 'removed' : 'unchanged';
        continue;
      }
      changes[name] = previous && previous.id === now.id && previous.builtAt === now.builtAt ? 'unchanged' : 'rebuilt';
      for (const tag of [`${NAMESPACE}/${name}:latest`, ...now.tags]) {
        const onEngine = await inspectImage(tag);
        if (onEngine?.Id !== now.id) tagProblems.push(`${tag} is ${onEngine?.Id ?? 'absent'}, image.json says ${now.id}`);
      }
    }
    return { changes, tagProblems };
  }

  /** The error lines each failed task printed, so a failed check shows why. */
  function failures(outcomes: TaskOutcomes, output: string): Record<string, string[]> {
    return Object.fromEntries(
      Object.entries(outcomes.tasks)
        .filter(([, outcome]) => outcome === 'failed')
        .map(([id]) => [id, taskOutput(output, id).split('\n').filter((line) => /failed|error|^go: |^pattern /i.test(line)).slice(0, 4)]),
    );
  }

  beforeAll(() => {
    rmSync(logDir, { recursive: true, force: true });
    root = mkdtempSync(join(tmpdir(), 'go-graph-e2e-'));
    ws = join(root, 'shop');
    console.log(`[go-graph-e2e] plugin ${pluginDist}; workspace ${ws}; images ${NAMESPACE}/*; command log ${logDir}/commands.log`);
  });

  afterAll(async () => {
    const problems: string[] = [];
    if (await engineAnswers()) {
      const ours = new Set<string>(recordedIds);
      for (const image of await docker().listImages({ filters: { reference: [`${NAMESPACE}/*`] } })) ours.add(image.Id);
      // docker-build starts no container; remove any that was started from these images all the same.
      for (const id of ours) {
        for (const container of await containersFromImage(id).catch(() => [])) {
          await removeContainer(container.Id).catch((e: Error) => problems.push(`container ${container.Id}: ${e.message}`));
        }
      }
      for (const image of await docker().listImages({ filters: { reference: [`${NAMESPACE}/*`] } })) {
        for (const tag of image.RepoTags ?? []) {
          if (!tag.startsWith(`${NAMESPACE}/`)) continue;
          await docker()
            .getImage(tag)
            .remove()
            .catch((e: { statusCode?: number; message: string }) => {
              if (e.statusCode !== 404) problems.push(`tag ${tag}: ${e.message}`);
            });
        }
      }
      // What is left of the builds: images they created that nothing else uses (build stages, replaced images).
      for (const id of [...createdIds].reverse()) {
        await docker()
          .getImage(id)
          .remove()
          .catch((e: { statusCode?: number; message: string }) => {
            if (e.statusCode !== 404 && e.statusCode !== 409) problems.push(`image ${id}: ${e.message}`);
          });
      }
      for (const id of ours) {
        if (await inspectImage(id)) problems.push(`image ${id} is still on the engine`);
      }
    }
    if (root && !process.env.GO_E2E_KEEP) rmSync(root, { recursive: true, force: true });

    const list = (values: string[]) => (values.length ? values.join(' ') : '-');
    console.log(
      [
        '[go-graph-e2e] docker-build per step (affected projects | executed | replayed from cache | failed):',
        ...rows.map((row) => `  ${row.step.padEnd(16)} | ${list(row.affected)} | ${list(row.executed)} | ${list(row.cached)} | ${list(row.failed)}`),
        '[go-graph-e2e] timings (s):',
        formatTimings(),
      ].join('\n'),
    );
    if (problems.length) console.warn(`[go-graph-e2e] cleanup problems:\n${problems.join('\n')}`);
  });

  setupStep('a git workspace of Go modules loads the built plugin', async () => {
    await pingDocker().catch((e: Error) => {
      throw new Error(`Cannot reach the Docker engine (${e.message}). Start Docker or set DOCKER_HOST.`);
    });
    expect(existsSync(join(pluginDist, 'package.json'))).toBe(true);
    writeGraphWorkspace(ws, {
      nxJson: { targetDefaults: { 'docker-build': { options: { tags: [`${NAMESPACE}/{projectName}:latest`, `${NAMESPACE}/{projectName}:{gitSha}`] } } } },
    });
    await git(ws, ['init', '-q', '-b', 'main'], { logDir });
    await commit('shop: Go services and libraries');
    const { stdout } = await git(ws, ['status', '--porcelain']);
    expect(stdout).toBe('');
  });

  setupStep('nx show projects lists a project per module and per command of mono', async () => {
    const { stdout } = await nx(['show', 'projects', '--json']);
    expect(sorted(JSON.parse(stdout) as string[])).toEqual(PROJECTS);
  });

  setupStep('the project graph has exactly the import edges, by kind', async () => {
    const file = join(root, 'graph.json');
    await nx(['graph', `--file=${file}`]);
    const { graph } = JSON.parse(readFileSync(file, 'utf8')) as {
      graph: {
        nodes: Record<string, { data: { metadata?: { go?: { imports: (typeof IMPORTS)[string] } } } }>;
        dependencies: Record<string, Array<{ source: string; target: string }>>;
      };
    };
    const edges = sorted(Object.values(graph.dependencies).flatMap((deps) => deps.map((dep) => `${dep.source} -> ${dep.target}`)));
    expect(edges).toEqual(EDGES);
    // usage.go names kit in comments and a raw string only.
    expect(edges).not.toContain('s1 -> kit');
    const imports = Object.fromEntries(PROJECTS.map((name) => [name, graph.nodes[name]?.data.metadata?.go?.imports]));
    expect(imports).toEqual(IMPORTS);
  });

  step('nx run-many -t docker-build builds all seven images', async () => {
    const { outcomes, result } = await runTasks(['run-many', '-t', 'docker-build', '--parallel=2'], 'docker-build');
    rows.push({ step: 'initial', affected: ['(run-many)'], executed: outcomes.executed, cached: outcomes.cached, failed: outcomes.failed });
    expect({ executed: outcomes.executed, cached: outcomes.cached, failures: failures(outcomes, result.output) }).toEqual({
      executed: IMAGE_NAMES,
      cached: [],
      failures: {},
    });
    const { changes, tagProblems } = await imageChanges({});
    expect(changes).toEqual(Object.fromEntries(IMAGE_NAMES.map((name) => [name, 'rebuilt'])));
    expect(tagProblems).toEqual([]);
  });

  step('nx run-many -t build compiles every project on the host', async () => {
    const { outcomes, result } = await runTasks(['run-many', '-t', 'build', '--parallel=2'], 'build');
    firstHostBuild = { outcomes, output: result.output };
    // legacy is checked on its own below.
    expect({ executed: outcomes.executed.filter((p) => p !== 'legacy'), cached: outcomes.cached, failed: outcomes.failed.filter((p) => p !== 'legacy') }).toEqual({
      executed: PROJECTS.filter((p) => p !== 'legacy'),
      cached: [],
      failed: [],
    });
  });

  step('legacy, a module outside go.work reached through a replace, builds on the host', async () => {
    const outcome = firstHostBuild?.outcomes.tasks['legacy:build'];
    const output = firstHostBuild ? taskOutput(firstHostBuild.output, 'legacy:build') : '';
    expect({ outcome, goError: output.split('\n').filter((line) => line.startsWith('go: ') || line.startsWith('pattern ')) }).toEqual({
      outcome: 'executed',
      goError: [],
    });
  });

  interface Edit {
    name: string;
    title: string;
    edit: () => void;
    affected: string[];
    executed: string[];
    cached: string[];
  }

  /** One edit, its own commit, then `nx affected` over HEAD~1..HEAD. */
  function editStep({ name, title, edit, affected, executed, cached }: Edit): void {
    step(`${name}: ${title}`, async () => {
      const before = imageRecords();
      edit();
      await commit(name);

      const affectedNow = await affectedProjects();
      const { outcomes, result } = await runTasks(['affected', '-t', 'docker-build', '--base=HEAD~1', '--head=HEAD', '--parallel=2'], 'docker-build');
      rows.push({ step: name, affected: affectedNow, executed: outcomes.executed, cached: outcomes.cached, failed: outcomes.failed });
      const { changes, tagProblems } = await imageChanges(before);

      expect({ affected: affectedNow, executed: outcomes.executed, cached: outcomes.cached, failures: failures(outcomes, result.output) }).toEqual({
        affected: sorted(affected),
        executed: sorted(executed),
        cached: sorted(cached),
        failures: {},
      });
      // Images of the services not rebuilt keep their id, in image.json and on the engine.
      expect(changes).toEqual(Object.fromEntries(IMAGE_NAMES.map((image) => [image, executed.includes(image) ? 'rebuilt' : 'unchanged'])));
      expect(tagProblems).toEqual([]);
    });
  }

  editStep({
    name: '1 geo/b',
    title: 's2 rebuilds; s1 (geo/a only) and s5 (geo/b from a cgo file only) are affected but replay',
    edit: () => bumpRev(ws, 'libs/geo/b/b.go'),
    affected: ['geo', 's1', 's2', 's5'],
    executed: ['s2'],
    cached: ['s1', 's5'],
  });

  step('1 geo/b, host builds: geo and s2 compile again, s1 replays', async () => {
    const { outcomes } = await runTasks(['run-many', '-t', 'build', '--parallel=2'], 'build');
    hostBuildAfterGeoB = outcomes;
    rows.push({ step: '1 geo/b, build', affected: ['(run-many)'], executed: outcomes.executed, cached: outcomes.cached, failed: outcomes.failed });
    // s5 and legacy are checked on their own below.
    const others = (list: string[]) => list.filter((p) => p !== 's5' && p !== 'legacy');
    expect({ executed: others(outcomes.executed), cached: others(outcomes.cached), failed: others(outcomes.failed) }).toEqual({
      executed: ['geo', 's2'],
      cached: ['api', 'kit', 'money', 'mono', 's1', 's3', 's4', 'worker'],
      failed: [],
    });
    const s1 = await runLocal(join(ws, 'dist', 'apps', 's1', 'bin', 's1'), [], { cwd: ws, logDir });
    expect(s1.stdout).toContain('region-a/0');
    const s2 = await runLocal(join(ws, 'dist', 'apps', 's2', 'bin', 's2'), [], { cwd: ws, logDir });
    expect(s2.stdout).toContain('region-b/1');
  });

  step('1 geo/b, host build of s5: built without cgo like its image, it replays and is not stale', async () => {
    // The host build runs with CGO_ENABLED=0, the platform the graph is computed for, so the cgo file
    // that imports geo/b is not part of the binary: replaying it is right, and the replayed binary is
    // the one a fresh CGO_ENABLED=0 build of the edited source gives.
    const binary = await runLocal(join(ws, 'dist', 'apps', 's5', 'bin', 's5'), [], { cwd: ws, logDir });
    const source = await runLocal('go', ['run', './cmd/s5'], { cwd: join(ws, 'apps', 's5'), logDir, env: { GOWORK: undefined, CGO_ENABLED: '0' } });
    expect({ outcome: hostBuildAfterGeoB?.tasks['s5:build'], binary: binary.stdout.trim() }).toEqual({
      outcome: 'cached',
      binary: source.stdout.trim(),
    });
  });

  editStep({
    name: '2 geo/a',
    title: 's1 rebuilds; s2 and s5 replay',
    edit: () => bumpRev(ws, 'libs/geo/a/a.go'),
    affected: ['geo', 's1', 's2', 's5'],
    executed: ['s1'],
    cached: ['s2', 's5'],
  });

  editStep({
    name: '3 money',
    title: 'all five services rebuild',
    edit: () => bumpRev(ws, 'libs/money/money.go'),
    affected: ['money', 's1', 's2', 's3', 's4', 's5'],
    executed: ['s1', 's2', 's3', 's4', 's5'],
    cached: [],
  });

  editStep({
    name: '4 kit',
    title: 's3 (test-only import) and s4 (windows-only import) are affected but replay',
    edit: () => bumpRev(ws, 'libs/kit/kit.go'),
    affected: ['kit', 's3', 's4'],
    executed: [],
    cached: ['s3', 's4'],
  });

  editStep({
    name: '5 s1 README',
    title: 's1 is affected but replays',
    edit: () => appendLine(ws, 'apps/s1/README.md', '\nThe price is in euros.'),
    affected: ['s1'],
    executed: [],
    cached: ['s1'],
  });

  editStep({
    name: '6 s1 test',
    title: 'a _test.go of s1: affected, replays',
    edit: () => bumpRev(ws, 'apps/s1/cmd/s1/main_test.go'),
    affected: ['s1'],
    executed: [],
    cached: ['s1'],
  });

  editStep({
    name: '7 legacy',
    title: 's5 rebuilds (legacy is outside go.work, reached through a replace)',
    edit: () => bumpRev(ws, 'libs/legacy/legacy.go'),
    affected: ['legacy', 's5'],
    executed: ['s5'],
    cached: [],
  });

  editStep({
    name: '8 mono/queue',
    title: 'worker rebuilds; api is affected but replays',
    edit: () => bumpRev(ws, 'mono/internal/queue/queue.go'),
    affected: ['api', 'mono', 'worker'],
    executed: ['worker'],
    cached: ['api'],
  });

  // go.work is an input of every Go target: Nx counts a `{workspaceRoot}/…` input of a target as touching
  // its project, so every Go project is affected and every image hash changes.
  editStep({
    name: '9 go.work',
    title: 'a comment in go.work: every Go project is affected, every image rebuilds',
    edit: () => appendLine(ws, 'go.work', '// shop workspace'),
    affected: PROJECTS,
    executed: IMAGE_NAMES,
    cached: [],
  });
});
