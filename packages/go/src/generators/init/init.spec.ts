import { readNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator } from './init';
import { addLfRules } from './lib/gitattributes';

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin, creates go.work and LF rules', async () => {
    await initGenerator(tree, { goVersion: '1.26' });
    expect(readNxJson(tree)?.plugins).toContainEqual({ plugin: '@org/go', options: {} });
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.26\n');
    const attributes = tree.read('.gitattributes', 'utf-8') ?? '';
    for (const pattern of ['*.go', '*.sh', 'Dockerfile']) {
      expect(attributes).toMatch(new RegExp(`^${pattern.replace('.', '\\.').replace('*', '\\*')} text eol=lf$`, 'm'));
    }
  });

  it('is idempotent and keeps what the user had', async () => {
    tree.write('go.work', 'go 1.22\n\nuse ./legacy\n');
    tree.write('.gitattributes', '*.png binary\n*.go text eol=lf\n');
    await initGenerator(tree, {});
    await initGenerator(tree, {});
    expect(readNxJson(tree)?.plugins?.filter((p) => typeof p === 'object' && p.plugin === '@org/go')).toHaveLength(1);
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.22\n\nuse ./legacy\n');
    const attributes = tree.read('.gitattributes', 'utf-8') ?? '';
    expect(attributes.startsWith('*.png binary\n*.go text eol=lf\n')).toBe(true);
    expect(attributes.match(/^\*\.go /gm)).toHaveLength(1);
    expect(attributes).toContain('*.sh text eol=lf');
  });

  it('does not create go.work in a single-module repository', async () => {
    tree.write('go.mod', 'module example.com/mono\n\ngo 1.26\n');
    await initGenerator(tree, {});
    expect(tree.exists('go.work')).toBe(false);
  });

  it('honours skipGoWork', async () => {
    await initGenerator(tree, { skipGoWork: true });
    expect(tree.exists('go.work')).toBe(false);
  });
});

describe('addLfRules', () => {
  it.each([
    ['', true],
    ['*.go text eol=lf\n*.sh text eol=lf\nDockerfile text eol=lf\ngo.mod text eol=lf\ngo.sum text eol=lf\ngo.work text eol=lf\n', false],
  ])('on %j changes=%s', (input, changes) => {
    expect(addLfRules(input) !== input).toBe(changes);
  });
  it('adds a newline before appending to a file without one', () => {
    expect(addLfRules('*.png binary')).toMatch(/^\*\.png binary\n\n# Added by @org\/go/);
  });
});
