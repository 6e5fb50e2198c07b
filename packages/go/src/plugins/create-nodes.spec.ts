import type { CreateNodesContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createNodes, isIgnoredGoMod } from './create-nodes';
import { parseModulePath } from './go-module';

describe('createNodes', () => {
  let root: string;
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const context = (): CreateNodesContext => ({ nxJsonConfiguration: {}, workspaceRoot: root });
  const run = (files: string[], options?: Record<string, string>) => createNodes[1](files, options, context());

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-nodes-'));
    write('apps/orders/go.mod', 'module example.com/acme/apps/orders\n\ngo 1.26\n');
    write('apps/orders/cmd/orders/main.go', '// Command orders.\npackage main\n\nfunc main() {}\n');
    write('apps/orders/Dockerfile', 'FROM scratch\n');
    write('libs/money/go.mod', 'module "example.com/acme/libs/money"\n');
    write('libs/money/money.go', 'package money\n');
    write('tools/gen/go.mod', 'module example.com/acme/tools/gen\n');
    write('tools/gen/main.go', '/* generator */\npackage main\n\nfunc main() {}\n');
    write('tools/gen/project.json', JSON.stringify({ name: 'codegen' }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('infers services, libraries and their targets', async () => {
    const results = await run(['apps/orders/go.mod', 'libs/money/go.mod', 'tools/gen/go.mod']);
    const projects = Object.fromEntries(results.map(([file, result]) => [file, result.projects]));
    const orders = projects['apps/orders/go.mod']?.['apps/orders'];
    expect(orders?.name).toBe('orders');
    expect(orders?.projectType).toBe('application');
    expect(Object.keys(orders?.targets ?? {})).toEqual(['build', 'test', 'lint', 'tidy', 'docker-build', 'docker-run']);
    expect(orders?.metadata).toEqual({
      technologies: ['go'],
      goModule: 'example.com/acme/apps/orders',
      targetGroups: { Go: ['build', 'test', 'lint', 'tidy'], Docker: ['docker-build', 'docker-run'] },
    });
    expect(orders?.targets?.['build']).toMatchInlineSnapshot(`
{
  "cache": true,
  "command": "go build -trimpath -o ../../dist/apps/orders/bin/ ./...",
  "inputs": [
    "{projectRoot}/**/*.go",
    "{projectRoot}/go.mod",
    "{projectRoot}/go.sum",
    "{workspaceRoot}/go.work",
    "{workspaceRoot}/go.work.sum",
    "!{projectRoot}/**/*_test.go",
    "!{projectRoot}/**/testdata/**",
    {
      "runtime": "go env GOVERSION",
    },
  ],
  "metadata": {
    "description": "Compile the module and write its commands to dist/apps/orders/bin",
    "help": {
      "command": "go help build",
      "example": {},
    },
    "technologies": [
      "go",
    ],
  },
  "options": {
    "cwd": "apps/orders",
  },
  "outputs": [
    "{workspaceRoot}/dist/{projectRoot}/bin",
  ],
}
`);
    expect(orders?.targets?.['docker-build']).toMatchObject({
      executor: '@org/go:docker-build',
      cache: true,
      outputs: ['{workspaceRoot}/dist/{projectRoot}/docker'],
    });
    expect(orders?.targets?.['docker-run']).toMatchObject({ executor: '@org/go:docker-run', cache: false, dependsOn: ['docker-build'] });

    const money = projects['libs/money/go.mod']?.['libs/money'];
    expect(money?.projectType).toBe('library');
    expect(money?.targets?.['build']?.command).toBe('go build ./...');
    expect(Object.keys(money?.targets ?? {})).toEqual(['build', 'test', 'lint', 'tidy']);

    const gen = projects['tools/gen/go.mod']?.['tools/gen'];
    expect(gen?.name).toBe('codegen');
    expect(gen?.projectType).toBe('application');
    expect(gen?.targets?.['docker-build']).toBeUndefined();
  });

  it('renames targets from plugin options', async () => {
    const [[, result]] = await run(['apps/orders/go.mod'], { buildTargetName: 'go-build', dockerBuildTargetName: 'image' });
    const targets = result.projects?.['apps/orders']?.targets ?? {};
    expect(Object.keys(targets)).toEqual(['go-build', 'test', 'lint', 'tidy', 'image', 'docker-run']);
    expect(targets['docker-run']?.dependsOn).toEqual(['image']);
  });

  it('sees a new Dockerfile although go.mod did not change (cache key)', async () => {
    write('libs/money/cmd/money/main.go', 'package main\nfunc main() {}\n');
    let [[, result]] = await run(['libs/money/go.mod']);
    expect(result.projects?.['libs/money']?.targets?.['docker-build']).toBeUndefined();
    write('libs/money/Dockerfile', 'FROM scratch\n');
    [[, result]] = await run(['libs/money/go.mod']);
    expect(result.projects?.['libs/money']?.targets?.['docker-build']).toBeDefined();
  });

  it('explains a go.mod without a module line', async () => {
    write('broken/go.mod', 'go 1.26\n');
    const error = await Promise.resolve(run(['broken/go.mod'])).then(
      () => undefined,
      (err: { errors?: Array<[string, Error]> }) => err,
    );
    // Nx aggregates per-file errors and reports each with its file.
    expect(error?.errors?.[0]?.[0]).toBe('broken/go.mod');
    expect(error?.errors?.[0]?.[1].message).toMatch(/broken\/go.mod has no "module" line\. Add one/);
  });

  it('skips vendored, generated and dependency folders', () => {
    expect(isIgnoredGoMod('node_modules/x/go.mod')).toBe(true);
    expect(isIgnoredGoMod('apps/orders/vendor/y/go.mod')).toBe(true);
    expect(isIgnoredGoMod('dist/apps/orders/go.mod')).toBe(true);
    expect(isIgnoredGoMod('apps/orders/testdata/go.mod')).toBe(true);
    expect(isIgnoredGoMod('apps/orders/go.mod')).toBe(false);
  });

  it('parses module lines', () => {
    expect(parseModulePath('// c\nmodule example.com/x // trailing\n')).toBe('example.com/x');
    expect(parseModulePath('module "example.com/quoted"\n')).toBe('example.com/quoted');
    expect(parseModulePath('go 1.26\n')).toBeUndefined();
  });
});
