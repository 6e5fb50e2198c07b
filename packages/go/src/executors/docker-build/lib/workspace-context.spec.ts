import { withoutLocalReplaces, workspaceContextExtras } from './workspace-context';

describe('withoutLocalReplaces', () => {
  it.each([
    ['module a\n\nreplace example.com/b => ../b\n', 'module a\n\n'],
    ['module a\nreplace example.com/b v1.0.0 => ./b // here\n', 'module a\n'],
    ['module a\nreplace (\n\texample.com/b => ../b\n\texample.com/c => example.com/c2 v1.2.0\n)\n', 'module a\nreplace (\n\texample.com/c => example.com/c2 v1.2.0\n)\n'],
    ['module a\nreplace example.com/x => example.com/y v1.0.0\n', 'module a\nreplace example.com/x => example.com/y v1.0.0\n'],
  ])('%j', (input, expected) => {
    expect(withoutLocalReplaces(input)).toBe(expected);
  });
});

describe('workspaceContextExtras', () => {
  const files: Record<string, string> = {
    'apps/s5/go.mod': 'module example.com/shop/apps/s5\n\ngo 1.26\n\nrequire example.com/shop/libs/legacy v0.0.0\n\nreplace example.com/shop/libs/legacy => ../../libs/legacy\n',
    'libs/money/go.mod': 'module example.com/shop/libs/money\n\ngo 1.26\n',
    'libs/money/go.sum': 'golang.org/x/text v0.1.0 h1:x\n',
    'libs/legacy/go.mod': 'module example.com/shop/libs/legacy\n\ngo 1.26\n',
    'go.work.sum': 'sum\n',
  };
  const extras = workspaceContextExtras({
    workspaceRoot: '/ws',
    moduleRoot: 'apps/s5',
    goVersion: '1.26',
    read: (path) => files[path],
    localModules: [
      { root: 'libs/money', modulePath: 'example.com/shop/libs/money', inGoWork: true },
      { root: 'libs/legacy', modulePath: 'example.com/shop/libs/legacy', inGoWork: false },
    ],
  });
  const file = (name: string) => extras.files.find((f) => f.name === name)?.content;

  it('uses go.work modules and replaces the others, at their place in the context', () => {
    expect(file('go.work')).toBe(
      'go 1.26\n\nuse (\n\t.\n\t./_local/libs/money\n)\n\nreplace (\n\texample.com/shop/libs/legacy => ./_local/libs/legacy\n)\n',
    );
  });
  it('drops local replaces from the service go.mod, keeping its requirements', () => {
    expect(file('go.mod')).toBe('module example.com/shop/apps/s5\n\ngo 1.26\n\nrequire example.com/shop/libs/legacy v0.0.0\n\n');
  });
  it('puts module files under .org-go for the download layer, and the sources under _local', () => {
    expect(file('.org-go/_local/libs/money/go.mod')).toBe(files['libs/money/go.mod']);
    expect(file('.org-go/_local/libs/money/go.sum')).toBe(files['libs/money/go.sum']);
    expect(file('_local/libs/legacy/go.mod')).toBe(files['libs/legacy/go.mod']);
    expect(file('go.work.sum')).toBe('sum\n');
    expect(extras.folders).toEqual([
      { dir: '/ws/libs/money', prefix: '_local/libs/money' },
      { dir: '/ws/libs/legacy', prefix: '_local/libs/legacy' },
    ]);
  });
});
