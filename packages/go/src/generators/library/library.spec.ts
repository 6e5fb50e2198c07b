import { addProjectConfiguration, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWorkspace } from '../../testing/workspace';
import { detectGoVersion } from '../../utils/go-version';
import { serviceGenerator } from '../service/service';
import { libraryGenerator } from './library';
import type { LibraryGeneratorSchema } from './schema';
import { snapshotTree } from '../../testing/tree';

function setPluginOptions(tree: Tree, options: Record<string, unknown>): void {
  updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@org/go', options }] });
}

describe('library generator', () => {
  let tree: Tree;
  const base: LibraryGeneratorSchema = { name: 'money', goVersion: '1.26' };

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('writes a Go module of one documented, tested package under libs/', async () => {
    await libraryGenerator(tree, base);
    expect(tree.children('libs/money').sort()).toEqual(['README.md', 'doc.go', 'example_test.go', 'go.mod', 'money.go', 'money_test.go']);
    expect(tree.exists('libs/money/project.json')).toBe(false);
    expect(tree.read('libs/money/go.mod', 'utf-8')).toBe('module example.com/proj/libs/money\n\ngo 1.26\n');
    const doc = tree.read('libs/money/doc.go', 'utf-8') ?? '';
    expect(doc).toMatch(/^\/\/ Package money is /);
    expect(doc).toContain('//\timport "example.com/proj/libs/money"\n');
    expect(doc).toMatch(/\npackage money\n$/);
    expect(tree.read('libs/money/money.go', 'utf-8')).toMatch(/^package money\n[\s\S]*\n\/\/ Normalize returns [\s\S]*\nfunc Normalize\(s string\) string \{/);
    const test = tree.read('libs/money/money_test.go', 'utf-8') ?? '';
    expect(test).toMatch(/^package money\n/);
    expect(test).toMatch(/tests := \[\]struct \{[\s\S]*for _, tt := range tests \{\n\t\tt\.Run\(tt\.name/);
    const example = tree.read('libs/money/example_test.go', 'utf-8') ?? '';
    expect(example).toMatch(/^package money_test\n/);
    expect(example).toContain('\t"example.com/proj/libs/money"\n');
    expect(example).toContain('fmt.Println(money.Normalize(');
  });

  it('says in the README how services import it and that go.work lists it', async () => {
    await libraryGenerator(tree, { ...base, module: 'github.com/acme/shop/libs/money' });
    const readme = tree.read('libs/money/README.md', 'utf-8') ?? '';
    expect(readme).toContain('import "github.com/acme/shop/libs/money"');
    expect(readme).toContain('money.Normalize(input)');
    expect(readme).toContain("The workspace's `go.work` lists this module (`use ./libs/money`)");
    expect(readme).toContain('nx test money');
    expect(readme).not.toMatch(/&#34;|&quot;|<%|%>/);
  });

  it('registers the plugin and creates go.work when the plugin is not set up yet', async () => {
    expect(readNxJson(tree)?.plugins ?? []).toHaveLength(0);
    await libraryGenerator(tree, base);
    expect(readNxJson(tree)?.plugins).toContainEqual({ plugin: '@org/go', options: {} });
    expect(tree.read('.gitattributes', 'utf-8')).toContain('*.go text eol=lf');
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.26\n\nuse ./libs/money\n');
  });

  it('turns the single use line into a sorted block when a second module is added', async () => {
    await libraryGenerator(tree, base);
    await serviceGenerator(tree, { name: 'orders', goVersion: '1.26' });
    await libraryGenerator(tree, { ...base, name: 'auth' });
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.26\n\nuse (\n\t./apps/orders\n\t./libs/auth\n\t./libs/money\n)\n');
  });

  it('keeps an existing go.work and its entries', async () => {
    tree.write('go.work', 'go 1.25\n\ntoolchain go1.26.0\n\nuse (\n\t./tools // generators\n)\n');
    await libraryGenerator(tree, base);
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.25\n\ntoolchain go1.26.0\n\nuse (\n\t./libs/money\n\t./tools // generators\n)\n');
  });

  it('adds no go.work to a single-module repository, and says what to do instead', async () => {
    tree.write('go.mod', 'module example.com/mono\n\ngo 1.26\n');
    await libraryGenerator(tree, base);
    expect(tree.exists('go.work')).toBe(false);
    const readme = tree.read('libs/money/README.md', 'utf-8') ?? '';
    expect(readme).toContain('go work init . ./libs/money');
    expect(readme).not.toContain('lists this module (');
  });

  it('goes in the folder of the librariesDir plugin option, or of --directory', async () => {
    setPluginOptions(tree, { librariesDir: 'packages/go' });
    await libraryGenerator(tree, base);
    expect(tree.read('packages/go/money/go.mod', 'utf-8')).toMatch(/^module example\.com\/proj\/packages\/go\/money$/m);
    await libraryGenerator(tree, { ...base, name: 'auth', directory: 'shared' });
    expect(tree.exists('shared/auth/auth.go')).toBe(true);
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.26\n\nuse (\n\t./packages/go/money\n\t./shared/auth\n)\n');
  });

  it('takes a name with a slash as the path, whatever the directory options say', async () => {
    setPluginOptions(tree, { librariesDir: 'ignored' });
    await libraryGenerator(tree, { ...base, name: 'platform/billing/money', directory: 'ignored-too' });
    expect(tree.read('platform/billing/money/money.go', 'utf-8')).toMatch(/^package money\n/);
    expect(tree.read('platform/billing/money/go.mod', 'utf-8')).toMatch(/^module example\.com\/proj\/platform\/billing\/money$/m);
    expect(tree.read('go.work', 'utf-8')).toContain('use ./platform/billing/money\n');
    expect(tree.exists('ignored')).toBe(false);
    expect(tree.exists('ignored-too')).toBe(false);
  });

  it('names the package after the library without hyphens, and imports it under that name', async () => {
    await libraryGenerator(tree, { ...base, name: 'order-utils' });
    expect(tree.children('libs/order-utils').sort()).toEqual(['README.md', 'doc.go', 'example_test.go', 'go.mod', 'orderutils.go', 'orderutils_test.go']);
    expect(tree.read('libs/order-utils/orderutils.go', 'utf-8')).toMatch(/^package orderutils\n/);
    expect(tree.read('libs/order-utils/example_test.go', 'utf-8')).toContain('\torderutils "example.com/proj/libs/order-utils"\n');
    expect(tree.read('libs/order-utils/README.md', 'utf-8')).toContain('import orderutils "example.com/proj/libs/order-utils"');
  });

  it('uses --packageName when given', async () => {
    await libraryGenerator(tree, { ...base, packageName: 'currency' });
    expect(tree.read('libs/money/currency.go', 'utf-8')).toMatch(/^package currency\n/);
    expect(tree.read('libs/money/doc.go', 'utf-8')).toMatch(/\/\/\timport currency "example\.com\/proj\/libs\/money"\npackage currency\n$/);
  });

  it('derives the module path from the git remote, else the workspace name, like the service generator', async () => {
    await libraryGenerator(tree, base);
    expect(tree.read('libs/money/go.mod', 'utf-8')).toMatch(/^module example\.com\/proj\/libs\/money$/m);
    tree.write('.git/config', '[remote "origin"]\n\turl = git@github.com:Acme/Shop.git\n');
    await libraryGenerator(tree, { ...base, name: 'auth' });
    expect(tree.read('libs/auth/go.mod', 'utf-8')).toMatch(/^module github\.com\/acme\/shop\/libs\/auth$/m);
    await libraryGenerator(tree, { ...base, name: 'tax', module: 'gopkg.in/tax.v2' });
    expect(tree.read('libs/tax/go.mod', 'utf-8')).toMatch(/^module gopkg\.in\/tax\.v2$/m);
    expect(tree.read('libs/tax/example_test.go', 'utf-8')).toContain('\ttax "gopkg.in/tax.v2"\n');
  });

  it('takes goVersion as the number the command line makes of 1.26', async () => {
    await libraryGenerator(tree, { ...base, goVersion: 1.26 });
    expect(tree.read('libs/money/go.mod', 'utf-8')).toMatch(/\ngo 1\.26\n$/);
  });

  it('defaults goVersion to the installed Go', async () => {
    await libraryGenerator(tree, { name: 'money' });
    expect(tree.read('libs/money/go.mod', 'utf-8')).toContain(`\ngo ${detectGoVersion()}\n`);
  });

  describe('rejects bad input and leaves the tree untouched', () => {
    it.each<[string, Partial<LibraryGeneratorSchema>, RegExp]>([
      ['uppercase name', { name: 'Money' }, /Invalid library name "Money".*e\.g\. "money"/],
      ['underscore', { name: 'order_utils' }, /Invalid library name "order_utils"/],
      ['shell metacharacters', { name: 'money;rm -rf' }, /Invalid library name/],
      ['empty name', { name: '' }, /Invalid library name ""/],
      ['missing name', { name: undefined as never }, /Invalid library name ""/],
      ['too long', { name: 'a'.repeat(64) }, /1-63/],
      ['bad last path segment', { name: 'libs/Money' }, /Invalid library name "Money"/],
      ['path traversal', { name: '../outside/money' }, /Invalid library path "..\/outside\/money": it leaves the workspace/],
      ['absolute path', { name: '/etc/money' }, /Invalid library path.*relative to the workspace root/],
      ['bad directory', { directory: '../elsewhere' }, /Invalid directory "..\/elsewhere": it leaves the workspace/],
      ['directory with a space', { directory: 'my libs' }, /Invalid directory "my libs".*e\.g\. "libs\/money"/],
      ['folder the plugin skips', { name: 'vendor' }, /Invalid library folder "libs\/vendor".*skips "vendor" folders.*e\.g\. "libs\/money"/],
      ['directory the plugin skips', { directory: 'dist' }, /Invalid library folder "dist\/money"/],
      ['bad module', { module: 'github.com//acme' }, /Invalid Go module path "github.com\/\/acme".*e\.g\./],
      ['module with space', { module: 'github.com/acme shop' }, /Invalid Go module path/],
      ['uppercase host', { module: 'GitHub.com/acme/shop' }, /first element "GitHub.com"/],
      ['bad go version', { goVersion: 'go1.26' }, /Invalid Go version "go1.26".*"1.26"/],
      ['go version 2', { goVersion: '2.0' }, /Invalid Go version "2.0"/],
      ['go version 1.20 read as a number', { goVersion: 1.2 }, /Invalid Go version "1.2".*--goVersion=1\.20\.0/],
      ['uppercase packageName', { packageName: 'Money' }, /Invalid packageName "Money".*e\.g\. "money"/],
      ['packageName with a hyphen', { packageName: 'order-utils' }, /Invalid packageName "order-utils"/],
      ['packageName with an underscore', { packageName: 'order_utils' }, /Invalid packageName "order_utils"/],
      ['packageName keyword', { packageName: 'type' }, /Invalid packageName "type": "type" is a Go keyword.*e\.g\. "money"/],
      ['packageName main', { packageName: 'main' }, /Invalid packageName "main": package main is a program and cannot be imported/],
      ['name that is a keyword', { name: 'go' }, /Invalid Go package name "go" \(the library name "go" without hyphens\).*Set packageName/],
      ['name that becomes a keyword', { name: 'ran-ge' }, /Invalid Go package name "range".*keyword/],
      ['name main', { name: 'main' }, /Invalid Go package name "main".*cannot be imported/],
    ])('%s', async (_case, override, message) => {
      const before = snapshotTree(tree);
      await expect(libraryGenerator(tree, { ...base, ...override })).rejects.toThrow(message);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('an existing folder, never overwriting it', async () => {
      tree.write('libs/money/money.go', 'package money // mine\n');
      const before = snapshotTree(tree);
      await expect(libraryGenerator(tree, base)).rejects.toThrow(/The folder "libs\/money" already exists; the generator never overwrites files/);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('an existing Go module of the same name elsewhere, which the plugin infers as a project', async () => {
      tree.write('services/money/go.mod', 'module example.com/x/money\n');
      const before = snapshotTree(tree);
      await expect(libraryGenerator(tree, base)).rejects.toThrow(/A project named "money" already exists.*e\.g\. "money-lib"/);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('an existing configured project of the same name', async () => {
      addProjectConfiguration(tree, 'money', { root: 'web/money' });
      const before = snapshotTree(tree);
      await expect(libraryGenerator(tree, base)).rejects.toThrow(/A project named "money" already exists/);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('a second run with the same name', async () => {
      await libraryGenerator(tree, base);
      const before = snapshotTree(tree);
      await expect(libraryGenerator(tree, base)).rejects.toThrow(/"libs\/money" already exists/);
      expect(snapshotTree(tree)).toEqual(before);
    });
  });
});

describe('a generated library, imported by a generated service through go.work', () => {
  const goVersion = detectGoVersion();
  // GOWORK is left to discovery, so the go commands below find the workspace's go.work as a user's would.
  const env = { ...process.env, GOWORK: '', GOTOOLCHAIN: 'local' };
  const go = (cwd: string, ...args: string[]) => execFileSync('go', args, { cwd, env, encoding: 'utf8', stdio: 'pipe' });
  let root: string;

  beforeAll(async () => {
    try {
      execFileSync('go', ['version'], { stdio: 'pipe' });
    } catch {
      throw new Error('The go command is not on PATH: this spec compiles the generated modules. Install Go (https://go.dev/dl/) and run it again.');
    }
    root = await generateWorkspace(async (tree) => {
      await libraryGenerator(tree, { name: 'money', goVersion });
      await libraryGenerator(tree, { name: 'order-utils', goVersion });
      await serviceGenerator(tree, { name: 'orders', goVersion });
    }, 'org-go-library-');
    const labels = join(root, 'apps/orders/internal/labels');
    mkdirSync(labels, { recursive: true });
    writeFileSync(
      join(labels, 'labels.go'),
      [
        '// Package labels cleans up the labels of orders.',
        'package labels',
        '',
        'import (',
        '\t"example.com/proj/libs/money"',
        '\torderutils "example.com/proj/libs/order-utils"',
        ')',
        '',
        '// Clean returns the label as it is stored.',
        'func Clean(label string) string {',
        '\treturn orderutils.Normalize(money.Normalize(label))',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(labels, 'labels_test.go'),
      [
        'package labels',
        '',
        'import "testing"',
        '',
        'func TestClean(t *testing.T) {',
        '\tif got := Clean("  gift \\t wrap "); got != "gift wrap" {',
        '\t\tt.Errorf("Clean = %q, want %q", got, "gift wrap")',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lists the three modules in the go.work the go command uses', () => {
    expect(go(join(root, 'apps/orders'), 'env', 'GOWORK').trim()).toBe(join(root, 'go.work'));
    expect(go(root, 'list', '-m').trim().split('\n').sort()).toEqual([
      'example.com/proj/apps/orders',
      'example.com/proj/libs/money',
      'example.com/proj/libs/order-utils',
    ]);
  });

  it.each(['libs/money', 'libs/order-utils'])('%s is gofmt-clean, go vet clean and passes its tests', (dir) => {
    expect(execFileSync('gofmt', ['-l', '.'], { cwd: join(root, dir), encoding: 'utf8' })).toBe('');
    go(join(root, dir), 'vet', './...');
    const out = go(join(root, dir), 'test', '-count=1', '-v', './...');
    expect(out).toMatch(/^--- PASS: TestNormalize /m);
    expect(out).toMatch(/^--- PASS: ExampleNormalize /m);
    expect(out).toMatch(/^ok\s+example\.com\/proj\/libs\//m);
  });

  it('compiles the service against the libraries through go.work: go vet and go test pass', () => {
    const service = join(root, 'apps/orders');
    go(service, 'vet', './...');
    const out = go(service, 'test', '-count=1', './...');
    expect(out).toMatch(/^ok\s+example\.com\/proj\/apps\/orders\/internal\/labels\s/m);
    expect(out).not.toMatch(/FAIL/);
  });
});
