import { logger, readNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { createContextFilter } from '../../docker/build-context';
import { serviceGenerator } from '../service/service';
import { dockerGenerator } from './docker';
import type { DockerGeneratorSchema } from './schema';
import { snapshotTree } from '../../testing/tree';

const goFiles = (tree: Tree) => new Map([...snapshotTree(tree)].filter(([path]) => /\.go$|go\.(mod|sum)$/.test(path)));

function write(tree: Tree, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) tree.write(path, content);
}

/** What the generator tells the user. */
function captureLogs() {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  const spies = [jest.spyOn(logger, 'info').mockImplementation(record), jest.spyOn(logger, 'warn').mockImplementation(record)];
  return { text: () => lines.join('\n'), restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

// ---- fixtures: services this plugin did not generate -------------------------------------------

/** A plain net/http service: main.go at the module root, the port in a ListenAndServe literal, no healthcheck subcommand. */
const plainService = {
  'apps/plain/go.mod': 'module github.com/acme/plain\n\ngo 1.25.3\n',
  'apps/plain/main.go': `package main

import (
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	log.Fatal(http.ListenAndServe(":9090", mux))
}
`,
  'apps/plain/main_test.go': 'package main\n\nconst testAddr = ":7777"\n',
  'apps/plain/README.md': '# plain\n',
};

/** cmd layout: one command, its port default in internal/config, a healthcheck subcommand via a switch on args[1]. */
const cmdService = {
  'services/orders/go.mod': 'module github.com/acme/orders\n\ngo 1.26\n\nrequire github.com/google/uuid v1.6.0\n',
  'services/orders/go.sum': 'github.com/google/uuid v1.6.0 h1:x\n',
  'services/orders/cmd/orders/main.go': `// Command orders serves orders.
package main

import (
	"fmt"
	"os"

	"github.com/acme/orders/internal/config"
)

var version string

func main() {
	if err := run(os.Args, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string) error {
	command := ""
	if len(args) > 1 {
		command = args[1]
	}
	switch command {
	case "", "serve":
		cfg := config.Load(getenv)
		return serve(cfg)
	case "healthcheck":
		return probe()
	default:
		return fmt.Errorf("unknown command %q", command)
	}
}
`,
  'services/orders/cmd/orders/serve.go': 'package main\n\nimport "github.com/acme/orders/internal/config"\n\nfunc serve(config.Config) error { return nil }\nfunc probe() error { return nil }\n',
  'services/orders/internal/config/config.go': `package config

import "strconv"

const DefaultPort = 7070

type Config struct{ Port int }

func Load(getenv func(string) string) Config {
	cfg := Config{Port: DefaultPort}
	if v := getenv("PORT"); v != "" {
		cfg.Port, _ = strconv.Atoi(v)
	}
	return cfg
}
`,
};

/** A single-module repository at the workspace root with two commands. */
const shopRepo = {
  'go.mod': 'module github.com/acme/shop\n\ngo 1.26.0\n',
  'internal/telemetry/telemetry.go': 'package telemetry\n\nfunc Setup(string) {}\n',
  'cmd/api/main.go': `package main

import (
	"net/http"
	"os"

	"github.com/acme/shop/internal/telemetry"
)

func main() {
	telemetry.Setup("api")
	port := os.Getenv("PORT")
	if port == "" {
		port = "8000"
	}
	http.ListenAndServe(":"+port, nil)
}
`,
  'cmd/worker/main.go': 'package main\n\nimport "github.com/acme/shop/internal/telemetry"\n\nfunc main() { telemetry.Setup("worker") }\n',
};

const library = {
  'libs/money/go.mod': 'module github.com/acme/money\n\ngo 1.26\n',
  'libs/money/money.go': 'package money\n\ntype Cents int64\n',
  'libs/money/cmd/README.md': 'no commands here\n',
};

describe('docker generator', () => {
  let tree: Tree;
  let logs: ReturnType<typeof captureLogs>;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    logs = captureLogs();
  });
  afterEach(() => logs.restore());

  describe('a plain net/http service (main.go at the module root)', () => {
    beforeEach(() => write(tree, plainService));

    it('writes a multi-stage, non-root Dockerfile that builds the module root and exposes the detected port', async () => {
      await dockerGenerator(tree, { project: 'plain' });
      const dockerfile = tree.read('apps/plain/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).toContain('ARG BUILDER_IMAGE=golang:1.25-bookworm');
      expect(dockerfile).toContain('ARG RUNTIME_IMAGE=scratch');
      expect(dockerfile).toMatch(/^FROM \$\{BUILDER_IMAGE\} AS build$/m);
      expect(dockerfile).toMatch(/-o \/out\/plain \.$/m);
      expect(dockerfile).not.toContain('./cmd/');
      expect(dockerfile).toMatch(/CGO_ENABLED=0 .*-trimpath -ldflags="-s -w -X main\.version=\$\{VERSION\}"/);
      expect(dockerfile).toMatch(/^EXPOSE 9090$/m);
      expect(dockerfile).toMatch(/^ENV PORT=9090$/m);
      expect(dockerfile).toMatch(/^USER 65532:65532$/m);
      expect(dockerfile).toMatch(/org\.opencontainers\.image\.title="plain"/);
      expect(dockerfile).toMatch(/^ENTRYPOINT \["\/plain"\]$/m);
      expect(dockerfile.indexOf('go mod download')).toBeLessThan(dockerfile.indexOf('COPY . .'));
      expect(dockerfile).toMatch(/nx run plain:docker-build/);
      const ignore = tree.read('apps/plain/.dockerignore', 'utf-8') ?? '';
      for (const pattern of ['**/.git', '**/.env', '**/node_modules', '**/*.pem', '**/*_test.go', 'go.work']) expect(ignore).toContain(pattern);
    });

    it('writes no HEALTHCHECK without a healthcheck subcommand, and says why and what to do', async () => {
      await dockerGenerator(tree, { project: 'plain' });
      const dockerfile = tree.read('apps/plain/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).not.toMatch(/^HEALTHCHECK/m);
      expect(dockerfile).toMatch(/^# No HEALTHCHECK: the program has no `healthcheck` subcommand/m);
      expect(dockerfile).toContain('--baseImage=alpine --healthcheck=http');
      expect(logs.text()).toMatch(/healthcheck: none\. No `healthcheck` subcommand found in apps\/plain/);
    });

    it('reports what it detected', async () => {
      await dockerGenerator(tree, { project: 'plain' });
      const text = logs.text();
      expect(text).toContain('Containerizing plain: go build . in apps/plain (module github.com/acme/plain) → /plain');
      expect(text).toContain('Go:          1.25 from apps/plain/go.mod → builder golang:1.25-bookworm');
      expect(text).toContain('port:        9090 (listen rule, apps/plain/main.go:11)');
      expect(text).not.toContain('7777'); // test files are not part of the program
      expect(text).toContain('wrote:       apps/plain/Dockerfile, apps/plain/.dockerignore');
      expect(text).toContain('nx run plain:docker-build');
    });

    it('changes no Go file and creates no go.work, and registers the plugin so docker-build is inferred', async () => {
      const before = goFiles(tree);
      await dockerGenerator(tree, { project: 'plain' });
      expect(goFiles(tree)).toEqual(before);
      expect(tree.exists('go.work')).toBe(false);
      expect(readNxJson(tree)?.plugins).toContainEqual({ plugin: '@org/go', options: {} });
    });

    it('takes --port, --baseImage and an http healthcheck on alpine', async () => {
      await dockerGenerator(tree, { project: 'plain', port: 8443, baseImage: 'alpine', healthcheck: 'http', healthPath: '/livez' });
      const dockerfile = tree.read('apps/plain/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).toContain('ARG RUNTIME_IMAGE=alpine:3.22');
      expect(dockerfile).toMatch(/^EXPOSE 8443$/m);
      expect(dockerfile).toMatch(/^HEALTHCHECK --interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \["wget", "-q", "-O", "\/dev\/null", "http:\/\/127\.0\.0\.1:8443\/livez"\]$/m);
      expect(logs.text()).toContain('port:        8443 (--port); the source suggests 9090');
    });

    it('uses the distroless base', async () => {
      await dockerGenerator(tree, { project: 'plain', baseImage: 'distroless' });
      expect(tree.read('apps/plain/Dockerfile', 'utf-8')).toContain('ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot');
    });

    it('never overwrites an existing Dockerfile unless --overwrite', async () => {
      tree.write('apps/plain/Dockerfile', 'FROM scratch\n');
      const before = snapshotTree(tree);
      await expect(dockerGenerator(tree, { project: 'plain' })).rejects.toThrow(
        /^apps\/plain\/Dockerfile already exists; the generator never overwrites files\. Pass --overwrite to replace it/,
      );
      expect(snapshotTree(tree)).toEqual(before);

      await dockerGenerator(tree, { project: 'plain', overwrite: true });
      expect(tree.read('apps/plain/Dockerfile', 'utf-8')).toMatch(/EXPOSE 9090/);
    });

    it('never overwrites an existing .dockerignore unless --overwrite', async () => {
      tree.write('apps/plain/.dockerignore', 'secrets/\n');
      const before = snapshotTree(tree);
      await expect(dockerGenerator(tree, { project: 'plain' })).rejects.toThrow(/^apps\/plain\/\.dockerignore already exists; .*--overwrite/);
      expect(snapshotTree(tree)).toEqual(before);
      await dockerGenerator(tree, { project: 'plain', overwrite: true });
      expect(tree.read('apps/plain/.dockerignore', 'utf-8')).toContain('**/.git');
    });

    it('runs again cleanly when nothing changed', async () => {
      await dockerGenerator(tree, { project: 'plain' });
      const before = snapshotTree(tree);
      await dockerGenerator(tree, { project: 'plain' });
      expect(snapshotTree(tree)).toEqual(before);
      expect(logs.text()).toContain('wrote:       nothing (up to date: apps/plain/Dockerfile, apps/plain/.dockerignore)');
    });

    it('names the project as a project.json beside the go.mod does', async () => {
      tree.write('apps/plain/project.json', JSON.stringify({ name: 'plain-api' }));
      await dockerGenerator(tree, { project: 'plain-api' });
      const dockerfile = tree.read('apps/plain/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).toContain('nx run plain-api:docker-build');
      expect(dockerfile).toMatch(/-o \/out\/plain \.$/m); // the binary keeps the name go build gives it
      await expect(dockerGenerator(tree, { project: 'plain', overwrite: true })).rejects.toThrow(/Cannot find a Go project named "plain"\. .*plain-api \(apps\/plain, service\)/);
    });
  });

  describe('a cmd-layout service with a healthcheck subcommand', () => {
    beforeEach(() => write(tree, cmdService));

    it('builds ./cmd/<name> and checks itself with `<binary> healthcheck`', async () => {
      await dockerGenerator(tree, { project: 'orders' });
      const dockerfile = tree.read('services/orders/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).toContain('ARG BUILDER_IMAGE=golang:1.26-bookworm');
      expect(dockerfile).toMatch(/-o \/out\/orders \.\/cmd\/orders$/m);
      expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["\/orders", "healthcheck"\]$/m);
      expect(dockerfile).toMatch(/^EXPOSE 7070$/m);
      expect(tree.exists('services/orders/.dockerignore')).toBe(true);
      expect(logs.text()).toContain('healthcheck: self; `orders healthcheck` subcommand found at services/orders/cmd/orders/main.go:29');
      expect(logs.text()).toContain('port:        7070 (const rule, services/orders/internal/config/config.go:5)');
    });

    it('--healthcheck=none leaves the HEALTHCHECK out', async () => {
      await dockerGenerator(tree, { project: 'orders', healthcheck: 'none' });
      expect(tree.read('services/orders/Dockerfile', 'utf-8')).not.toMatch(/^HEALTHCHECK/m);
    });

    it('leaves -X main.version out when main.version is not a string, and says so', async () => {
      tree.write('services/orders/cmd/orders/main.go', (tree.read('services/orders/cmd/orders/main.go', 'utf-8') ?? '').replace('var version string', 'var version = 3'));
      await dockerGenerator(tree, { project: 'orders' });
      const dockerfile = tree.read('services/orders/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).toMatch(/-ldflags="-s -w" -o \/out\/orders/);
      expect(logs.text()).toContain('main.version at services/orders/cmd/orders/main.go:11 is not a string');
    });
  });

  describe('a single-module repository with cmd/api and cmd/worker', () => {
    beforeEach(() => write(tree, shopRepo));

    it('asks for --command when the module project has several main packages, changing nothing', async () => {
      const before = snapshotTree(tree);
      await expect(dockerGenerator(tree, { project: 'shop' })).rejects.toThrow(
        'Project "shop" (.) has several main packages: cmd/api, cmd/worker. Pass --command to choose one, e.g. --command=cmd/api',
      );
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('with --command, puts the Dockerfile in the command folder and builds it from the module root', async () => {
      await dockerGenerator(tree, { project: 'shop', command: 'cmd/api' });
      const dockerfile = tree.read('cmd/api/Dockerfile', 'utf-8') ?? '';
      expect(dockerfile).toMatch(/-o \/out\/api \.\/cmd\/api$/m);
      expect(dockerfile).toMatch(/^COPY go\.mod go\.sum\* .*\.\/$/m);
      expect(dockerfile).toContain('docker build -f cmd/api/Dockerfile -t api:dev .    (in the module root)');
      expect(dockerfile).toMatch(/^EXPOSE 8000$/m); // PORT default next to getenv("PORT")
      expect(tree.exists('.dockerignore')).toBe(true); // at the build context root
      expect(tree.exists('cmd/api/.dockerignore')).toBe(false);
      expect(tree.exists('Dockerfile')).toBe(false);
      expect(logs.text()).toContain('command:     cmd/api of shop, built by its project api (cmd/api)');
      expect(logs.text()).toContain('nx run api:docker-build (context: the module root, .)');
    });

    it('gives the same result for --project=api (the cmd/api folder) and for --command=api', async () => {
      await dockerGenerator(tree, { project: 'api' });
      const byProject = snapshotTree(tree);
      const other = createTreeWithEmptyWorkspace();
      write(other, shopRepo);
      await dockerGenerator(other, { project: 'shop', command: 'api' });
      expect(snapshotTree(other)).toEqual(byProject);
    });

    it('containerizes a second command next to the first, sharing the module .dockerignore', async () => {
      await dockerGenerator(tree, { project: 'api' });
      await dockerGenerator(tree, { project: 'worker' });
      expect(tree.read('cmd/worker/Dockerfile', 'utf-8')).toMatch(/\.\/cmd\/worker$/m);
      expect(logs.text()).toContain('wrote:       cmd/worker/Dockerfile (up to date: .dockerignore)');
    });

    it.each([
      [{ project: 'shop', command: 'cmd/nope' }, /^--command "cmd\/nope" is not a main package of project "shop"\. Choose one of: cmd\/api, cmd\/worker\.$/],
      [{ project: 'api', command: 'cmd/worker' }, /^--command "cmd\/worker" is not the main package of project "api", which builds "cmd\/api"\. Drop --command, or pick the project of that command \(e\.g\. --project=worker\)/],
    ] as Array<[DockerGeneratorSchema, RegExp]>)('rejects %j', async (schema, message) => {
      const before = snapshotTree(tree);
      await expect(dockerGenerator(tree, schema)).rejects.toThrow(message);
      expect(snapshotTree(tree)).toEqual(before);
    });
  });

  describe('a service the service generator wrote', () => {
    it('detects what the service generator put in and writes the same image recipe', async () => {
      await serviceGenerator(tree, { name: 'billing', port: 9191, goVersion: '1.26', baseImage: 'distroless' });
      const generated = tree.read('apps/billing/Dockerfile', 'utf-8') ?? '';
      const generatedIgnore = tree.read('apps/billing/.dockerignore', 'utf-8');
      tree.delete('apps/billing/Dockerfile');
      tree.delete('apps/billing/.dockerignore');
      await dockerGenerator(tree, { project: 'billing', baseImage: 'distroless' });
      const instructions = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      expect(instructions(tree.read('apps/billing/Dockerfile', 'utf-8') ?? '')).toEqual(instructions(generated));
      expect(tree.read('apps/billing/.dockerignore', 'utf-8')).toBe(generatedIgnore);
      expect(logs.text()).toContain('port:        9191 (const rule, apps/billing/internal/config/config.go');
      expect(logs.text()).toContain('healthcheck: self; `billing healthcheck` subcommand found at apps/billing/cmd/billing/main.go');
    });
  });

  describe('the build context', () => {
    it('keeps Go packages and embedded files that the standard .dockerignore leaves out', async () => {
      write(tree, {
        'apps/site/go.mod': 'module github.com/acme/site\n\ngo 1.26\n',
        'apps/site/main.go':
          'package main\n\nimport (\n\t_ "embed"\n\n\t"github.com/acme/site/deploy/manifests"\n)\n\n//go:embed README.md\nvar readme string\n\nfunc main() { _ = manifests.All }\n',
        'apps/site/README.md': '# site\n',
        'apps/site/CHANGELOG.md': 'not embedded\n',
        'apps/site/deploy/manifests/manifests.go': 'package manifests\n\nvar All = []string{}\n',
        'apps/site/scripts/tool/main.go': '//go:build ignore\n\npackage main\n\nfunc main() {}\n',
      });
      await dockerGenerator(tree, { project: 'site' });
      const ignore = tree.read('apps/site/.dockerignore', 'utf-8') ?? '';
      expect(ignore).toMatch(/\n!README\.md\n!deploy\/manifests\n$/);
      const filter = createContextFilter(ignore, ['Dockerfile']);
      for (const path of ['main.go', 'README.md', 'deploy/manifests/manifests.go', 'go.mod']) expect(filter.includes(path)).toBe(true);
      for (const path of ['CHANGELOG.md', 'scripts/tool/main.go', 'deploy/k8s.yaml', '.env']) expect(filter.includes(path)).toBe(false);
      expect(logs.text()).toContain('context:     kept README.md, deploy/manifests in the build context');
    });

    it('notes the workspace modules docker-build adds, and warns about replaces it cannot and about cgo files', async () => {
      write(tree, {
        ...library,
        'apps/edge/go.mod':
          'module github.com/acme/edge\n\ngo 1.26\n\nreplace github.com/acme/money => ../../libs/money\n\nreplace github.com/acme/gone => ../../libs/gone\n',
        'apps/edge/main.go': 'package main\n\nimport "github.com/acme/money"\n\nfunc main() { _ = money.Cents(1) }\n',
        'apps/edge/sqlite.go': 'package main\n\n// #include <stdio.h>\nimport "C"\n',
      });
      await dockerGenerator(tree, { project: 'edge' });
      expect(logs.text()).toContain('modules:     imports workspace modules libs/money; nx run edge:docker-build adds them to the context');
      expect(logs.text()).not.toContain('replaces github.com/acme/money');
      expect(logs.text()).toContain('replaces github.com/acme/gone with ../../libs/gone, outside the build context (apps/edge), and the service imports no package of it');
      expect(logs.text()).toContain('CGO_ENABLED=0, which leaves out apps/edge/sqlite.go (import "C")');
    });
  });

  describe('bad input: one clear error, the tree untouched', () => {
    beforeEach(() => write(tree, { ...plainService, ...library }));

    it.each([
      [{ project: 'nope' }, /^Cannot find a Go project named "nope"\. Go projects in this workspace: money \(libs\/money, library\), plain \(apps\/plain, service\)\. Pass one of them to --project/],
      [{ project: '' }, /^Missing --project: name the Go service to containerize, e\.g\. --project=orders\./],
      [{ project: 'money' }, /^Project "money" \(libs\/money\) has no main package, so there is no program to put in a container\. .*Go services here: plain \(apps\/plain, service\)\.$/],
      [{ project: 'plain', port: 0 }, /^Invalid port "0": use a whole number from 1 to 65535, e\.g\. 8080\.$/],
      [{ project: 'plain', port: 70000 }, /^Invalid port "70000"/],
      [{ project: 'plain', port: '8080' as unknown as number }, /^Invalid port "8080"/],
      [{ project: 'plain', baseImage: 'ubuntu' as never }, /^Invalid baseImage "ubuntu": use one of scratch, distroless, alpine, e\.g\. "scratch"\.$/],
      [{ project: 'plain', healthcheck: 'curl' as never }, /^Invalid healthcheck "curl": use self, http or none\.$/],
      [{ project: 'plain', healthcheck: 'http' }, /^--healthcheck=http runs wget inside the container, and the scratch base has no shell or wget\. Use --baseImage=alpine/],
      [{ project: 'plain', baseImage: 'alpine', healthcheck: 'http', healthPath: 'healthz' }, /^Invalid healthPath "healthz": use an absolute URL path/],
      [{ project: 'plain', baseImage: 'alpine', healthcheck: 'http', healthPath: '/a"b' }, /^Invalid healthPath/],
    ] as Array<[DockerGeneratorSchema, RegExp]>)('%j', async (schema, message) => {
      const before = snapshotTree(tree);
      await expect(dockerGenerator(tree, schema)).rejects.toThrow(message);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('says when a project is not a Go project', async () => {
      tree.write('apps/web/project.json', JSON.stringify({ name: 'web', root: 'apps/web' }));
      const before = snapshotTree(tree);
      await expect(dockerGenerator(tree, { project: 'web' })).rejects.toThrow(/^Project "web" \(apps\/web\) is not a Go project: there is no go\.mod in or above its folder\./);
      expect(snapshotTree(tree)).toEqual(before);
    });
  });
});
