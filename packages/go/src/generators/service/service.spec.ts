import { readNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { serviceGenerator } from './service';
import type { ServiceGeneratorSchema } from './schema';
import { snapshotTree } from '../../testing/tree';

describe('service generator', () => {
  let tree: Tree;
  const base: ServiceGeneratorSchema = { name: 'orders', goVersion: '1.26' };

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('writes a Go service in the cmd/internal/pkg layout under apps/', async () => {
    await serviceGenerator(tree, base);
    for (const file of [
      'go.mod',
      'cmd/orders/main.go',
      'cmd/orders/main_test.go',
      'internal/config/config.go',
      'internal/server/server.go',
      'internal/server/routes.go',
      'internal/server/server_test.go',
      'pkg/api/api.go',
      'scripts/wait-for-ready.sh',
      'Dockerfile',
      '.dockerignore',
      'README.md',
    ]) {
      expect(tree.exists(`apps/orders/${file}`)).toBe(true);
    }
    expect(tree.exists('apps/orders/deploy')).toBe(false);
    expect(tree.children('apps/orders/cmd/orders').some((f) => f.includes('__'))).toBe(false);
  });

  it('fills go.mod, the port and the Dockerfile from the options', async () => {
    await serviceGenerator(tree, { ...base, port: 9090, module: 'github.com/acme/shop/apps/orders' });
    expect(tree.read('apps/orders/go.mod', 'utf-8')).toMatch(/^module github\.com\/acme\/shop\/apps\/orders\n\ngo 1\.26\n/);
    expect(tree.read('apps/orders/internal/config/config.go', 'utf-8')).toContain('9090');
    const dockerfile = tree.read('apps/orders/Dockerfile', 'utf-8') ?? '';
    expect(dockerfile).toContain('golang:1.26-bookworm');
    expect(dockerfile).toMatch(/ARG RUNTIME_IMAGE=scratch/);
    expect(dockerfile).toMatch(/EXPOSE 9090/);
    expect(dockerfile).toMatch(/USER 65532:65532/);
    expect(dockerfile).toMatch(/HEALTHCHECK .*\["\/orders", ?"healthcheck"\]/);
    expect(dockerfile).toMatch(/CGO_ENABLED=0/);
    expect(dockerfile.indexOf('go mod download')).toBeLessThan(dockerfile.indexOf('COPY . .'));
    const ignore = tree.read('apps/orders/.dockerignore', 'utf-8') ?? '';
    for (const pattern of ['.git', '.env', 'node_modules', 'dist', '*.pem']) expect(ignore).toContain(pattern);
  });

  it.each([
    ['distroless', 'gcr.io/distroless/static-debian12:nonroot'],
    ['alpine', 'alpine:3.22'],
  ] as const)('uses the %s runtime base', async (baseImage, image) => {
    await serviceGenerator(tree, { ...base, baseImage });
    expect(tree.read('apps/orders/Dockerfile', 'utf-8')).toContain(`ARG RUNTIME_IMAGE=${image}`);
  });

  it('writes Kubernetes manifests with probes on --k8s', async () => {
    await serviceGenerator(tree, { ...base, k8s: true });
    const deployment = tree.read('apps/orders/deploy/k8s/deployment.yaml', 'utf-8') ?? '';
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe', '/healthz', '/readyz']) expect(deployment).toContain(probe);
    expect(tree.exists('apps/orders/deploy/k8s/kustomization.yaml')).toBe(true);
  });

  it('adds the module to go.work and registers the plugin', async () => {
    await serviceGenerator(tree, base);
    await serviceGenerator(tree, { ...base, name: 'billing' });
    expect(tree.read('go.work', 'utf-8')).toBe('go 1.26\n\nuse (\n\t./apps/billing\n\t./apps/orders\n)\n');
    expect(readNxJson(tree)?.plugins).toContainEqual({ plugin: '@org/go', options: {} });
  });

  it('takes a name with a slash as the path, and honours the servicesDir plugin option', async () => {
    await serviceGenerator(tree, { ...base, name: 'platform/payments' });
    expect(tree.exists('platform/payments/cmd/payments/main.go')).toBe(true);
    const nxJson = readNxJson(tree);
    tree.write('nx.json', JSON.stringify({ ...nxJson, plugins: [{ plugin: '@org/go', options: { servicesDir: 'services' } }] }));
    await serviceGenerator(tree, { ...base, name: 'ledger' });
    expect(tree.exists('services/ledger/go.mod')).toBe(true);
  });

  it('derives the module path from the git remote, else the workspace name', async () => {
    await serviceGenerator(tree, base);
    expect(tree.read('apps/orders/go.mod', 'utf-8')).toMatch(/^module example\.com\/proj\/apps\/orders$/m);
    tree.write('.git/config', '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:Acme/Shop.git\n');
    await serviceGenerator(tree, { ...base, name: 'billing' });
    expect(tree.read('apps/billing/go.mod', 'utf-8')).toMatch(/^module github\.com\/acme\/shop\/apps\/billing$/m);
  });

  it('takes the Go version as the command line passes it, a number', async () => {
    await serviceGenerator(tree, { ...base, goVersion: 1.26 as never });
    expect(tree.read('apps/orders/go.mod', 'utf-8')).toMatch(/^go 1\.26$/m);
  });

  it('marks the wait script executable', async () => {
    await serviceGenerator(tree, base);
    const script = tree.listChanges().find((change) => change.path === 'apps/orders/scripts/wait-for-ready.sh');
    expect(script?.options?.mode).toBe('755');
  });

  describe('rejects bad input and leaves the tree untouched', () => {
    it.each<[string, Partial<ServiceGeneratorSchema>, RegExp]>([
      ['uppercase name', { name: 'Orders' }, /Invalid service name "Orders".*e\.g\. "orders"/],
      ['underscore', { name: 'order_api' }, /Invalid service name/],
      ['shell metacharacters', { name: 'orders;rm -rf' }, /Invalid service name/],
      ['empty name', { name: '' }, /Invalid service name ""/],
      ['too long', { name: 'a'.repeat(64) }, /1-63/],
      ['path traversal', { name: '../outside/orders' }, /leaves the workspace/],
      ['absolute path', { name: '/etc/orders' }, /relative to the workspace root/],
      ['port 0', { port: 0 }, /Invalid port "0".*1 to 65535/],
      ['port too big', { port: 70000 }, /Invalid port "70000"/],
      ['fractional port', { port: 80.5 }, /Invalid port/],
      ['bad module', { module: 'github.com//acme' }, /Invalid Go module path/],
      ['module with space', { module: 'github.com/acme shop' }, /Invalid Go module path/],
      ['uppercase host', { module: 'GitHub.com/acme/shop' }, /first element/],
      ['bad go version', { goVersion: 'go1.26' }, /Invalid Go version "go1.26"/],
      ['bad base image', { baseImage: 'ubuntu' as never }, /Invalid baseImage "ubuntu".*scratch/],
      ['an inherited key as base image', { baseImage: 'toString' as never }, /Invalid baseImage "toString"/],
      ['a Go too old for the generated code', { goVersion: '1.21' }, /Invalid Go version "1.21": the generated code needs Go 1.22 or newer/],
      ['bad directory', { directory: '../elsewhere' }, /leaves the workspace/],
      ['a folder the plugin skips', { name: 'dist/orders' }, /Invalid service folder "dist\/orders": the plugin skips "dist" folders/],
      ['go version as a number that lost its zero', { goVersion: 1.2 as never }, /reads --goVersion=1.20 as the number 1.2/],
    ])('%s', async (_case, override, message) => {
      const before = snapshotTree(tree);
      await expect(serviceGenerator(tree, { ...base, ...override })).rejects.toThrow(message);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('an existing folder, never overwriting it', async () => {
      tree.write('apps/orders/main.go', 'package main // mine\n');
      const before = snapshotTree(tree);
      await expect(serviceGenerator(tree, base)).rejects.toThrow(/"apps\/orders" already exists/);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('an existing project name, including inferred Go modules', async () => {
      tree.write('services/orders/go.mod', 'module example.com/x/orders\n');
      const before = snapshotTree(tree);
      await expect(serviceGenerator(tree, base)).rejects.toThrow(/A project named "orders" already exists/);
      expect(snapshotTree(tree)).toEqual(before);
    });
  });
});
