import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Digest } from '../../../docker/image-archive';
import { readTar } from '../../../docker/tar';
import { renderDockerfile } from '../../../dockerfile/render';
import type { GoProject } from '../../../graph/workspace-graph';
import { createTargets } from '../../../plugins/targets';
import { resolvePluginOptions } from '../../../utils/plugin-options';
import { contextSizeWarning } from '../docker-build';
import { parseDockerfile, parseDuration, prebuiltPlan, splitWords, substitute } from './dockerfile-plan';
import { binaryLayer, goBuildCommand, layerEpoch, moduleInGoWork, rfc3339, runtimeFilesLayer } from './prebuilt';

const ARGS = { VERSION: '1.4.2', CREATED: '2026-01-01T00:00:00.000Z', REVISION: 'abc123', SOURCE: 'https://github.com/acme/shop' };

describe('prebuiltPlan on the generated Dockerfiles', () => {
  it('reads the main package, the binary and the runtime stage of a scratch image', () => {
    const plan = prebuiltPlan(renderDockerfile({ name: 'orders', goVersion: '1.26', port: 8080, baseImage: 'scratch' }), ARGS);
    expect(plan).toEqual({
      runtimeImage: 'scratch',
      goBuild: { packagePath: './cmd/orders', output: '/out/orders', stampsVersion: true },
      binaryTarget: '/orders',
      copiesRootfs: true,
      runtime: {
        user: '65532:65532',
        env: ['PORT=8080'],
        exposedPorts: ['8080/tcp'],
        labels: {
          'org.opencontainers.image.title': 'orders',
          'org.opencontainers.image.version': '1.4.2',
          'org.opencontainers.image.revision': 'abc123',
          'org.opencontainers.image.created': '2026-01-01T00:00:00.000Z',
          'org.opencontainers.image.source': 'https://github.com/acme/shop',
          'org.opencontainers.image.base.name': 'scratch',
        },
        healthcheck: { Test: ['CMD', '/orders', 'healthcheck'], Interval: 5e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 3 },
        entrypoint: ['/orders'],
      },
      copyInstructions: { rootfs: 'COPY --from=build /out/rootfs/ /', binary: 'COPY --from=build /out/orders /orders' },
    });
  });

  it('follows the options the generators have: base, package path, version mode, healthcheck', () => {
    const plan = prebuiltPlan(
      renderDockerfile({ name: 'api', goVersion: '1.26', port: 9090, baseImage: 'alpine', packagePath: '.', version: 'none', healthcheck: 'http', healthPath: '/live' }),
      { VERSION: 'dev' },
    );
    expect(plan.runtimeImage).toBe('alpine:3.22');
    expect(plan.goBuild).toEqual({ packagePath: '.', output: '/out/api', stampsVersion: false });
    expect(plan.runtime.healthcheck?.Test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9090/live']);
    expect(plan.runtime.labels['org.opencontainers.image.revision']).toBe('');
    const none = prebuiltPlan(renderDockerfile({ name: 'api', goVersion: '1.26', port: 9090, baseImage: 'distroless', healthcheck: 'none' }), {});
    expect(none.runtime.healthcheck).toBeUndefined();
    expect(none.runtimeImage).toBe('gcr.io/distroless/static-debian12:nonroot');
    expect(none.runtime.labels['org.opencontainers.image.version']).toBe('dev'); // the ARG default
  });

  it('takes RUNTIME_IMAGE from the build args, as the engine would', () => {
    expect(prebuiltPlan(renderDockerfile({ name: 'orders', goVersion: '1.26', port: 8080, baseImage: 'scratch' }), { RUNTIME_IMAGE: 'alpine:3.22' }).runtimeImage).toBe('alpine:3.22');
  });

  it('refuses what it cannot assemble without running the Dockerfile, naming the line', () => {
    const base = 'FROM golang:1.26 AS build\nRUN go build -o /out/app ./cmd/app\nFROM scratch\nCOPY --from=build /out/app /app\n';
    expect(prebuiltPlan(base, {}).binaryTarget).toBe('/app');
    expect(() => prebuiltPlan(`${base}RUN ["/app", "migrate"]\n`, {})).toThrow(/Dockerfile line 5 \(RUN \["\/app", "migrate"\]\): prebuilt mode .* cannot RUN in the final stage/);
    expect(() => prebuiltPlan(`${base}COPY config.yaml /etc/app/\n`, {})).toThrow(/line 5 .*only reproduces COPY --from=<build stage>/);
    expect(() => prebuiltPlan(`${base}COPY --from=build /out/other /other\n`, {})).toThrow(/knows the binary \(\/out\/app\) and the runtime files folder/);
    expect(() => prebuiltPlan('FROM golang:1.26 AS build\nRUN make\nFROM scratch\n', {})).toThrow(/no `RUN … go build … -o <binary> <package>`/);
    expect(() => prebuiltPlan('FROM golang:1.26\nRUN go build -o /app .\n', {})).toThrow(/single stage/);
    expect(() => prebuiltPlan('FROM golang:1.26 AS build\nRUN go build ./cmd/app\nFROM scratch\n', {})).toThrow(/has no -o/);
  });

  it('reads go build flags in any order, with -tags', () => {
    const plan = prebuiltPlan("FROM golang AS b\nRUN cd /src && go build -tags 'netgo osusergo' -ldflags \"-X main.version=${V}\" -o=/bin/x ./cmd/x && echo done\nFROM scratch\nCOPY --from=b /bin/x /usr/local/bin/\n", {});
    expect(plan.goBuild).toEqual({ packagePath: './cmd/x', output: '/bin/x', stampsVersion: true, tags: 'netgo osusergo' });
    expect(plan.binaryTarget).toBe('/usr/local/bin/x');
    expect(plan.copiesRootfs).toBe(false);
  });
});

describe('Dockerfile reading helpers', () => {
  it('joins continuation lines and skips comments', () => {
    const parsed = parseDockerfile('# c\nARG A=1\nFROM x AS build\nRUN a \\\n  # inside\n  && b\nFROM scratch\nLABEL a="b c"\n');
    expect(parsed.globalArgs).toEqual(new Map([['A', '1']]));
    expect(parsed.stages.map((stage) => [stage.from, stage.name, stage.instructions.map((i) => `${i.line}:${i.keyword} ${i.args}`)])).toEqual([
      ['x', 'build', ['4:RUN a && b']],
      ['scratch', undefined, ['8:LABEL a="b c"']],
    ]);
  });
  it.each([
    ['5s', 5e9],
    ['1m30s', 90e9],
    ['300ms', 300e6],
    ['1.5h', 5400e9],
    ['0', 0],
  ])('parseDuration(%s) = %d', (text, ns) => expect(parseDuration(text)).toBe(ns));
  it('splits words and substitutes variables', () => {
    expect(splitWords(`a "b c" 'd e' f="g \\" h"`)).toEqual(['a', 'b c', 'd e', 'f=g " h']);
    expect(substitute('${A}-$B-${C}', new Map([['A', '1'], ['B', '2']]))).toBe('1-2-');
  });
});

describe('prebuilt layers and go build', () => {
  it('writes the runtime files as the generated build stage does, the same bytes every time', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\n');
    const layer = runtimeFilesLayer(ca, 0);
    expect(sha256Digest(runtimeFilesLayer(Buffer.from(ca), 0))).toBe(sha256Digest(layer));
    const files = readTar(layer);
    expect(files.map((entry) => `${entry.name} ${entry.mode.toString(8)} ${entry.uid}:${entry.gid} ${entry.mtime}`)).toEqual([
      'etc 755 0:0 0',
      'etc/group 644 0:0 0',
      'etc/passwd 644 0:0 0',
      'etc/ssl 755 0:0 0',
      'etc/ssl/certs 755 0:0 0',
      'etc/ssl/certs/ca-certificates.crt 644 0:0 0',
      'tmp 1777 0:0 0',
    ]);
    expect(files[2].content.toString()).toContain('nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
    expect(readTar(binaryLayer(Buffer.from('bin'), '/usr/local/bin/orders', 5)).map((entry) => `${entry.name} ${entry.mode.toString(8)} ${entry.mtime}`)).toEqual([
      'usr 755 5',
      'usr/local 755 5',
      'usr/local/bin 755 5',
      'usr/local/bin/orders 755 5',
    ]);
  });

  it('times: SOURCE_DATE_EPOCH, else 1970', () => {
    expect(layerEpoch({})).toBe(0);
    expect(layerEpoch({ SOURCE_DATE_EPOCH: '1700000000' })).toBe(1_700_000_000);
    expect(rfc3339(0)).toBe('1970-01-01T00:00:00Z');
  });

  it('builds like the Dockerfile: static, trimmed, stamped, for the image platform', () => {
    const plan = prebuiltPlan(renderDockerfile({ name: 'orders', goVersion: '1.26', port: 8080, baseImage: 'scratch' }), {});
    expect(goBuildCommand({ plan, platform: { os: 'linux', architecture: 'arm64' }, version: '1.4.2', output: '/tmp/x/binary', goWorkOff: true })).toEqual({
      args: ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w -X main.version=1.4.2', '-o', '/tmp/x/binary', './cmd/orders'],
      env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm64', GOWORK: 'off' },
    });
    expect(goBuildCommand({ plan, platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, version: 'dev', output: 'b', goWorkOff: false }).env).toEqual({
      CGO_ENABLED: '0',
      GOOS: 'linux',
      GOARCH: 'arm',
      GOARM: '7',
    });
  });

  it('decides GOWORK as the inferred targets do', () => {
    const root = mkdtempSync(join(tmpdir(), 'org-go-gowork-'));
    try {
      mkdirSync(join(root, 'apps/orders'), { recursive: true });
      expect(moduleInGoWork(root, join(root, 'apps/orders'))).toBe(true); // no go.work: module mode
      writeFileSync(join(root, 'go.work'), 'go 1.26\n\nuse (\n\t./apps/orders/\n\t./libs/money\n)\n');
      expect(moduleInGoWork(root, join(root, 'apps/orders'))).toBe(true);
      expect(moduleInGoWork(root, join(root, 'apps/legacy'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('contextSizeWarning', () => {
  const totals = { bytes: 212_000_000, files: 4100, byEntry: { testdata: 180_000_000, 'go.mod': 1024, internal: 2_000_000, assets: 30_000_000 } };
  it('names the biggest entries and the .dockerignore to edit', () => {
    expect(contextSizeWarning(totals, 50_000_000, 'apps/orders/.dockerignore')).toBe(
      'The build context is 212.0 MB (4100 files), more than 50.0 MB. Biggest entries: testdata (180.0 MB), assets (30.0 MB), internal (2.0 MB), go.mod (1.0 kB). ' +
        'Add what the image does not need to apps/orders/.dockerignore, or raise "contextWarnBytes".',
    );
  });
  it('says nothing under the threshold or when switched off', () => {
    expect(contextSizeWarning(totals, 300_000_000, '.dockerignore')).toBeUndefined();
    expect(contextSizeWarning(totals, 0, '.dockerignore')).toBeUndefined();
  });
});

describe('inferred docker-build target in prebuilt mode', () => {
  const project: GoProject = {
    root: 'apps/orders',
    name: 'orders',
    kind: 'service',
    moduleRoot: 'apps/orders',
    modulePath: 'example.com/shop/apps/orders',
    mains: ['apps/orders/cmd/orders'],
    hasDockerfile: true,
    inGoWork: true,
    closures: { build: { modules: { 'apps/orders': ['**'] } }, image: { modules: { 'apps/orders': ['cmd/orders', 'internal/server'] } } },
    imports: { normal: [], test: [], platform: [] },
  };
  it('keeps the goImage inputs, adds the host Go release and drops the .dockerignore', () => {
    const target = createTargets(project, resolvePluginOptions({ dockerBuildMode: 'prebuilt' }))['docker-build'];
    expect(target.options).toEqual({ mode: 'prebuilt' });
    expect(target.inputs).toEqual(['goImage', '{projectRoot}/Dockerfile', { runtime: 'go env GOVERSION' }, { env: 'SOURCE_DATE_EPOCH' }]);
    const multistage = createTargets(project, resolvePluginOptions({}))['docker-build'];
    expect(multistage.options).toEqual({});
    expect(multistage.inputs).toContain('{projectRoot}/.dockerignore');
  });
});
