import type { CreateDependenciesContext, CreateNodesContext, ProjectConfiguration } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GO_FIXTURE } from '../testing/go-fixture';
import { createDependencies } from './create-dependencies';
import { createNodes, isIgnoredGoMod } from './create-nodes';

describe('inference on a real folder of Go modules', () => {
  let root: string;
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const goMods = () => Object.keys(GO_FIXTURE).filter((path) => path.endsWith('go.mod'));
  const nodes = async (options?: Record<string, unknown>) => {
    const context: CreateNodesContext = { nxJsonConfiguration: {}, workspaceRoot: root };
    const results = await createNodes[1](goMods(), options, context);
    const projects: Record<string, ProjectConfiguration> = {};
    for (const [, result] of results) {
      for (const [projectRoot, project] of Object.entries(result.projects ?? {})) projects[project.name as string] = { ...project, root: projectRoot };
    }
    return projects;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-nodes-'));
    for (const [path, content] of Object.entries(GO_FIXTURE)) write(path, content);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('infers services, libraries and command projects with their targets', async () => {
    const projects = await nodes();
    expect(Object.keys(projects).sort()).toEqual(['api', 'billing', 'money', 'mono', 'orders', 'testkit', 'util', 'winapi', 'worker']);
    const orders = projects['orders'];
    expect(orders.projectType).toBe('application');
    expect(Object.keys(orders.targets ?? {})).toEqual(['build', 'test', 'lint', 'tidy', 'docker-build', 'docker-run', 'docker-scan', 'docker-tag', 'docker-push']);
    expect(orders.metadata).toMatchObject({
      technologies: ['go'],
      targetGroups: { Go: ['build', 'test', 'lint', 'tidy'], Docker: ['docker-build', 'docker-scan', 'docker-run', 'docker-tag', 'docker-push'] },
      go: { module: 'example.com/shop/apps/orders', imports: { normal: ['money'], test: ['testkit'], platform: ['winapi'] } },
    });
    expect(orders.namedInputs?.['goImage']).toEqual([
      '{workspaceRoot}/apps/orders/**/*.go',
      '{workspaceRoot}/apps/orders/go.{mod,sum}',
      '!{workspaceRoot}/apps/orders/**/*_test.go',
      '{workspaceRoot}/libs/money/**/*.go',
      '{workspaceRoot}/libs/money/go.{mod,sum}',
      '!{workspaceRoot}/libs/money/**/*_test.go',
      '{workspaceRoot}/libs/util/fmtx/*.go',
      '{workspaceRoot}/libs/util/go.{mod,sum}',
      '!{workspaceRoot}/libs/util/**/*_test.go',
      '{workspaceRoot}/go.work',
      '{workspaceRoot}/go.work.sum',
    ]);
    expect(orders.targets?.['docker-build']).toMatchObject({
      executor: '@org/go:docker-build',
      cache: true,
      inputs: ['goImage', '{projectRoot}/Dockerfile', '{projectRoot}/.dockerignore', { env: 'SOURCE_DATE_EPOCH' }],
      outputs: ['{workspaceRoot}/dist/{projectRoot}/docker/image.json'],
    });
    // The scan's cache key: the recorded image (not the sources again), the ignore file, the database, the scanners' versions.
    expect(orders.targets?.['docker-scan']).toMatchObject({
      executor: '@org/go:docker-scan',
      cache: true,
      dependsOn: ['docker-build'],
      inputs: [
        { dependentTasksOutputFiles: '**/docker/image.json', transitive: false },
        '{projectRoot}/.vulnignore',
        { env: 'ORG_GO_VULNDB' },
        { env: 'TRIVY_CACHE_DIR' },
        { env: 'GRYPE_DB_CACHE_DIR' },
        { runtime: expect.stringContaining('scan-key.js') },
      ],
      outputs: ['{workspaceRoot}/dist/{projectRoot}/docker/scan.*'],
    });
    expect(orders.targets?.['build']).toMatchObject({
      command: 'go build -trimpath -o ../../dist/apps/orders/bin/ ./...',
      options: { cwd: 'apps/orders' },
      inputs: ['goBuild', { runtime: 'go env GOVERSION' }],
    });
    expect(orders.targets?.['docker-run']).toMatchObject({ executor: '@org/go:docker-run', cache: false, dependsOn: ['docker-build'] });
    expect(orders.targets?.['test']?.inputs).toEqual(['goTests', '^goSources', { runtime: 'go env GOVERSION' }]);
    expect(orders.targets?.['lint']?.inputs).toEqual(['goTests', '^goSources', { runtime: 'go env GOVERSION' }]);
    // Nx refuses a named input that reaches into other projects ("^…"): those belong on the targets.
    for (const project of Object.values(projects)) {
      for (const inputs of Object.values(project.namedInputs ?? {})) {
        expect(inputs.filter((input) => typeof input === 'string' && input.startsWith('^'))).toEqual([]);
      }
    }
    expect(orders.targets?.['docker-tag']).toEqual({
      executor: '@org/go:docker-tag',
      options: {},
      cache: false,
      dependsOn: ['docker-build'],
      metadata: {
        technologies: ['go', 'docker'],
        description:
          'Tag the built image with its version (X.Y.Z, X.Y, X, latest, sha-…; pre-releases: version and sha only) and record the plan in dist/{projectRoot}/docker/tags.json',
      },
    });
    expect(orders.targets?.['docker-push']).toEqual({
      executor: '@org/go:docker-push',
      options: {},
      cache: false,
      dependsOn: ['docker-tag', 'docker-scan'],
      metadata: {
        technologies: ['go', 'docker'],
        description: 'Push every tag through the Docker Engine API, immutable tags before moving ones, and record the pushed digest in image.json',
      },
    });

    const money = projects['money'];
    expect(money.projectType).toBe('library');
    expect(money.targets?.['build']).toMatchObject({ command: 'go build ./...', inputs: ['goSources', '^goSources', { runtime: 'go env GOVERSION' }] });
    expect(Object.keys(money.targets ?? {})).toEqual(['build', 'test', 'lint', 'tidy']);

    const api = projects['api'];
    expect(api.root).toBe('mono/cmd/api');
    expect(api.targets?.['build']).toMatchObject({ command: 'go build -trimpath -o ../../../dist/mono/cmd/api/bin/ .', options: { cwd: 'mono/cmd/api' } });
    expect(api.targets?.['docker-build']?.options).toEqual({ context: '../..' });
    expect(api.targets?.['tidy']).toBeUndefined();
    expect(projects['worker'].targets?.['docker-build']).toBeUndefined(); // no Dockerfile
    expect(projects['worker'].targets?.['docker-tag']).toBeUndefined();
    expect(projects['worker'].targets?.['docker-push']).toBeUndefined();
    expect(projects['worker'].targets?.['docker-scan']).toBeUndefined();
    expect(api.metadata?.targetGroups?.['Docker']).toEqual(['docker-build', 'docker-scan', 'docker-run', 'docker-tag', 'docker-push']);
  });

  it('renames targets from plugin options', async () => {
    const projects = await nodes({ buildTargetName: 'go-build', dockerBuildTargetName: 'image', dockerScanTargetName: 'scan', dockerTagTargetName: 'image-tag', dockerPushTargetName: 'publish' });
    expect(Object.keys(projects['orders'].targets ?? {})).toEqual(['go-build', 'test', 'lint', 'tidy', 'image', 'docker-run', 'scan', 'image-tag', 'publish']);
    expect(projects['orders'].targets?.['scan']?.dependsOn).toEqual(['image']);
    expect(projects['orders'].targets?.['docker-run']?.dependsOn).toEqual(['image']);
    expect(projects['orders'].targets?.['image-tag']?.dependsOn).toEqual(['image']);
    expect(projects['orders'].targets?.['publish']?.dependsOn).toEqual(['image-tag', 'scan']);
    expect(projects['orders'].metadata?.targetGroups?.['Docker']).toEqual(['image', 'scan', 'docker-run', 'image-tag', 'publish']);
  });

  it('lets docker-push go without the scan when scanBeforePush is off', async () => {
    const projects = await nodes({ scanBeforePush: false });
    expect(projects['orders'].targets?.['docker-push']?.dependsOn).toEqual(['docker-tag']);
    expect(projects['orders'].targets?.['docker-scan']).toBeDefined();
  });

  it('sees a new Dockerfile and a project.json name', async () => {
    write('mono/cmd/worker/Dockerfile', 'FROM scratch\n');
    write('libs/util/project.json', JSON.stringify({ name: 'shared-util' }));
    const projects = await nodes();
    expect(projects['worker'].targets?.['docker-build']).toBeDefined();
    expect(projects['shared-util']?.root).toBe('libs/util');
  });

  it('fails with a clear message on a go.mod without a module line', async () => {
    write('broken/go.mod', 'go 1.26\n');
    await expect(createNodes[1]([...goMods(), 'broken/go.mod'], {}, { nxJsonConfiguration: {}, workspaceRoot: root })).rejects.toThrow(
      /broken\/go.mod has no "module" line\. Add one/,
    );
  });

  it('reports dependencies whose source file belongs to the source project', async () => {
    const projects = await nodes();
    const byRoot = Object.values(projects).sort((a, b) => b.root.length - a.root.length);
    const projectFileMap: Record<string, Array<{ file: string; hash: string }>> = {};
    for (const path of Object.keys(GO_FIXTURE)) {
      const owner = byRoot.find((p) => path.startsWith(`${p.root}/`));
      if (owner) (projectFileMap[owner.name as string] ??= []).push({ file: path, hash: '0' });
    }
    const context = {
      projects,
      fileMap: { projectFileMap, nonProjectFiles: [] },
      filesToProcess: { projectFileMap, nonProjectFiles: [] },
      externalNodes: {},
      nxJsonConfiguration: {},
      workspaceRoot: root,
    } as unknown as CreateDependenciesContext;
    const dependencies = await createDependencies({}, context);
    expect(dependencies.map((d) => `${d.source}->${d.target}`)).toEqual([
      'api->mono',
      'billing->money',
      'billing->util',
      'money->util',
      'orders->money',
      'orders->testkit',
      'orders->winapi',
      'worker->mono',
    ]);
    expect(dependencies.every((d) => d.type === 'static')).toBe(true);
  });

  it('skips vendored, generated and dependency folders', () => {
    expect(isIgnoredGoMod('node_modules/x/go.mod')).toBe(true);
    expect(isIgnoredGoMod('apps/orders/vendor/y/go.mod')).toBe(true);
    expect(isIgnoredGoMod('dist/apps/orders/go.mod')).toBe(true);
    expect(isIgnoredGoMod('apps/orders/testdata/go.mod')).toBe(true);
    expect(isIgnoredGoMod('apps/orders/go.mod')).toBe(false);
  });
});
