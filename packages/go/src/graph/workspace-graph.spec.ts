import { GO_FIXTURE } from '../testing/go-fixture';
import { parseGoMod, parseGoWork } from './go-mod';
import { scanGoFile } from './source';
import { buildTarget } from './load';
import { computeGoWorkspaceGraph, type GraphInput } from './workspace-graph';

function fixtureInput(files: Record<string, string>): GraphInput {
  const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.');
  const input: GraphInput = { modules: new Map(), files: [], dockerfileDirs: new Set(), configuredNames: new Map() };
  for (const [path, text] of Object.entries(files)) {
    if (path.endsWith('.go')) input.files.push({ path, header: scanGoFile(text) });
    else if (path.endsWith('go.mod')) input.modules.set(dirOf(path), parseGoMod(text));
    else if (path === 'go.work') input.goWork = parseGoWork(text);
    else if (path.endsWith('Dockerfile')) input.dockerfileDirs.add(dirOf(path));
  }
  return input;
}

describe('computeGoWorkspaceGraph on a workspace with both layouts', () => {
  const graph = computeGoWorkspaceGraph(fixtureInput(GO_FIXTURE), buildTarget());
  const project = (name: string) => {
    const found = graph.projects.find((p) => p.name === name);
    if (!found) throw new Error(`no project ${name}`);
    return found;
  };

  it('makes a project per module, and one per command of a multi-command module', () => {
    expect(graph.errors).toEqual([]);
    expect(graph.projects.map((p) => [p.name, p.root, p.kind, p.hasDockerfile])).toEqual([
      ['billing', 'apps/billing', 'service', true],
      ['orders', 'apps/orders', 'service', true],
      ['money', 'libs/money', 'library', false],
      ['testkit', 'libs/testkit', 'library', false],
      ['util', 'libs/util', 'library', false],
      ['winapi', 'libs/winapi', 'library', false],
      ['mono', 'mono', 'library', false],
      ['api', 'mono/cmd/api', 'service', true],
      ['worker', 'mono/cmd/worker', 'service', false],
    ]);
  });

  it('finds every dependency with its kind, and none that is not an import', () => {
    expect(graph.dependencies.map((d) => `${d.source} -> ${d.target} (${d.kind}) ${d.sourceFile}`)).toEqual([
      'api -> mono (normal) mono/cmd/api/main.go',
      'billing -> money (platform) apps/billing/native.go', // cgo file: out of a CGO_ENABLED=0 build
      'billing -> util (normal) apps/billing/main.go', // through a replace directive
      'money -> util (normal) libs/money/zz_generated.go', // generated files count
      'orders -> money (normal) apps/orders/internal/server/server.go',
      'orders -> testkit (test) apps/orders/internal/server/server_test.go',
      'orders -> winapi (platform) apps/orders/internal/server/console_windows.go',
      'worker -> mono (normal) mono/cmd/worker/main.go',
    ]);
  });

  it('builds each image from exactly the packages its command reaches', () => {
    expect(project('orders').closures.image.modules).toEqual({
      'apps/orders': ['**'], // every package of the module
      'libs/money': ['**'],
      'libs/util': ['fmtx'], // not strs: only billing uses it
    });
    expect(project('billing').closures.image.modules).toEqual({ 'apps/billing': ['**'], 'libs/util': ['strs'] });
    expect(project('api').closures.image.modules).toEqual({ mono: ['cmd/api', 'internal/db'] });
    expect(project('worker').closures.image.modules).toEqual({ mono: ['cmd/worker', 'internal/db', 'internal/queue'] });
    expect(project('money').closures.image.modules).toEqual({});
  });

  it('lists imports by kind on each project', () => {
    expect(project('orders').imports).toEqual({ normal: ['money'], test: ['testkit'], platform: ['winapi'] });
  });

  it('follows build constraints of another platform when asked', () => {
    const windows = computeGoWorkspaceGraph(fixtureInput(GO_FIXTURE), buildTarget({ goos: 'windows' }));
    const orders = windows.projects.find((p) => p.name === 'orders');
    expect(orders?.imports.normal).toEqual(['money', 'winapi']);
    const withCgo = computeGoWorkspaceGraph(fixtureInput(GO_FIXTURE), buildTarget({ cgoEnabled: true }));
    expect(withCgo.projects.find((p) => p.name === 'billing')?.imports.normal).toEqual(['money', 'util']);
  });

  it('explains name collisions and modules without a module line', () => {
    const broken = computeGoWorkspaceGraph(
      fixtureInput({ ...GO_FIXTURE, 'other/money/go.mod': 'module example.com/other/money\n', 'bad/go.mod': 'go 1.26\n' }),
      buildTarget(),
    );
    expect(broken.errors).toEqual([
      'bad/go.mod has no "module" line. Add one, e.g. "module example.com/acme/bad".',
      'Several Go projects are named "money" (libs/money, other/money). Give each a unique name: add a project.json with {"name": "<unique name>"} beside its go.mod or main package.',
    ]);
  });

  it('ignores imports of modules outside the workspace and of the standard library', () => {
    const graph2 = computeGoWorkspaceGraph(
      fixtureInput({
        'go.mod': 'module example.com/solo\n',
        'main.go': 'package main\n\nimport (\n\t"net/http"\n\t"github.com/acme/external/pkg"\n)\n',
      }),
      buildTarget(),
    );
    expect(graph2.dependencies).toEqual([]);
    expect(graph2.projects.map((p) => [p.name, p.kind])).toEqual([['solo', 'service']]);
  });
});
