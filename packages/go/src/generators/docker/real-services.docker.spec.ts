/**
 * The docker generator on services it did not write, with real dependency trees (gRPC with the
 * standard health service; OpenTelemetry with the stdout exporter), in both layouts: a module with
 * main.go at its root, and a single-module repository with cmd/api and cmd/worker. The generator
 * runs on the folder through a real file tree, docker-build builds the images on a real engine
 * (modules are downloaded inside the build from the Go module proxy), and the containers run.
 */
import { logger, type Tree } from '@nx/devkit';
import { FsTree } from '@nx/devkit/internal';
import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { demuxBuffer, DockerClient } from '../../docker';
import { dockerBuildExecutor } from '../../executors/docker-build/docker-build';
import { findFreePort } from '../../executors/docker-run/lib/ports';
import { describeDocker } from '../../testing/docker';
import { executorContext } from '../../testing/workspace';
import type { ImageMetadata } from '../../utils/image-metadata';
import { dockerGenerator } from './docker';
import type { DockerGeneratorSchema } from './schema';

const GRPC_VERSION = 'v1.85.0';
const OTEL_VERSION = 'v1.47.0';

const greeterMain = `// Command greeter serves the gRPC health service on :50051 and GET /healthz on :8081.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(probe())
	}
	if err := serve(); err != nil {
		slog.Error("greeter stopped", "err", err)
		os.Exit(1)
	}
}

func serve() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lis, err := net.Listen("tcp", ":50051")
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\\n")) })
	httpSrv := &http.Server{Addr: ":8081", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(lis) }()
	go func() {
		if err := httpSrv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()
	slog.Info("listening", "grpc", lis.Addr().String(), "http", httpSrv.Addr)
	select {
	case <-ctx.Done():
	case err := <-errs:
		return err
	}
	hs.Shutdown()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shutdownCtx)
	srv.GracefulStop()
	return nil
}

// probe asks the local gRPC health service for the server's overall status.
func probe() int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := grpc.NewClient("127.0.0.1:50051", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		fmt.Fprintln(os.Stderr, "not serving:", err, resp.GetStatus())
		return 1
	}
	return 0
}
`;

const shopTelemetry = `// Package telemetry sets up OpenTelemetry tracing with the stdout exporter.
package telemetry

import (
	"context"
	"io"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// Setup installs a tracer provider writing spans to w and returns its shutdown.
func Setup(service string, w io.Writer) (func(context.Context) error, error) {
	exporter, err := stdouttrace.New(stdouttrace.WithWriter(w))
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))),
	)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}
`;

const shopApi = `// Command api serves the shop's HTTP API.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/acme/shop/internal/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	shutdown, err := telemetry.Setup("api", os.Stdout)
	if err != nil {
		slog.Error("telemetry", "err", err)
		os.Exit(1)
	}
	defer shutdown(context.Background())

	port := os.Getenv("PORT")
	if port == "" {
		port = "8000"
	}
	tracer := otel.Tracer("shop/api")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\\n")) })
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, r *http.Request) {
		_, span := tracer.Start(r.Context(), "list-products")
		defer span.End()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(\`[{"id":1,"name":"tea"}]\`))
	})
	srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
	}()
	slog.Info("listening", "port", port)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
}
`;

const shopWorker = `// Command worker processes the shop's background jobs.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/acme/shop/internal/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	shutdown, err := telemetry.Setup("worker", os.Stdout)
	if err != nil {
		slog.Error("telemetry", "err", err)
		os.Exit(1)
	}
	defer shutdown(context.Background())
	tracer := otel.Tracer("shop/worker")
	ticker := time.NewTicker(10 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			_, span := tracer.Start(ctx, "job")
			span.End()
		}
	}
}
`;

/** Writes files under root, then resolves the module's dependencies with `go mod tidy` (Go module proxy). */
function writeModule(root: string, moduleDir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, moduleDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  execFileSync('go', ['mod', 'tidy'], { cwd: join(root, moduleDir), stdio: 'pipe', timeout: 300_000 });
}

function newWorkspace(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: prefix.replace(/-$/, ''), private: true }));
  writeFileSync(join(root, 'nx.json'), JSON.stringify({}));
  return root;
}

/** Runs the generator on a folder on disk, as `nx g` does: a file tree over it, changes flushed at the end. */
async function generateOnDisk(root: string, schema: DockerGeneratorSchema): Promise<string> {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  const spies = [jest.spyOn(logger, 'info').mockImplementation(record), jest.spyOn(logger, 'warn').mockImplementation(record)];
  try {
    const tree: Tree = new FsTree(root, false);
    await dockerGenerator(tree, schema);
    for (const change of tree.listChanges()) {
      const file = join(root, change.path);
      if (change.type === 'DELETE' || !change.content) continue;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, change.content);
      if (change.options?.mode) chmodSync(file, change.options.mode);
    }
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  return lines.join('\n');
}

async function build(root: string, projectName: string, projectRoot: string, tag: string, context?: string): Promise<ImageMetadata & { output: string }> {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  const spies = [
    jest.spyOn(logger, 'info').mockImplementation(record),
    jest.spyOn(logger, 'error').mockImplementation(record),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(chunk.toString());
      return true;
    }),
  ];
  let result: { success: boolean };
  try {
    result = await dockerBuildExecutor({ tags: [tag], ...(context ? { context } : {}) }, executorContext(root, projectName, projectRoot), DockerClient.fromEnvironment());
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  if (!result.success) throw new Error(`docker-build of ${projectName} failed:\n${lines.join('\n').slice(-4000)}`);
  const metadata = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'image.json'), 'utf8')) as ImageMetadata;
  return { ...metadata, output: lines.join('') };
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${seconds}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describeDocker('the docker generator on real gRPC and OpenTelemetry services', () => {
  const docker = new Dockerode();
  const suffix = Date.now().toString(36);
  const roots: string[] = [];
  const containers: Dockerode.Container[] = [];
  const tags: string[] = [];

  afterAll(async () => {
    for (const container of containers) await container.remove({ force: true }).catch(() => undefined);
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('gRPC server, main.go at the module root: HEALTHCHECK self through the gRPC health service', async () => {
    const root = newWorkspace('org-go-grpc-');
    roots.push(root);
    writeModule(root, 'services/greeter', {
      'go.mod': `module github.com/acme/greeter\n\ngo 1.26\n\nrequire google.golang.org/grpc ${GRPC_VERSION}\n`,
      'main.go': greeterMain,
    });
    const goBefore = readFileSync(join(root, 'services/greeter/main.go'), 'utf8');

    const report = await generateOnDisk(root, { project: 'greeter' });
    expect(report).toContain('healthcheck: self; `greeter healthcheck` subcommand found at services/greeter/main.go:23');
    expect(report).toMatch(/port: +50051 \(listen rule, services\/greeter\/main\.go:\d+\)/);
    expect(report).toMatch(/also found 8081 \(listen rule/);
    const dockerfile = readFileSync(join(root, 'services/greeter/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/-o \/out\/greeter \.$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["\/greeter", "healthcheck"\]$/m);
    expect(readFileSync(join(root, 'services/greeter/main.go'), 'utf8')).toBe(goBefore);

    const tag = `org-go-greeter-${suffix}:latest`;
    tags.push(tag);
    const image = await build(root, 'greeter', 'services/greeter', tag);
    // eslint-disable-next-line no-console
    console.log(`greeter (gRPC): ${mib(image.size)}, built in ${image.buildSeconds.toFixed(1)}s, context ${image.contextFiles} files`);
    const inspected = await docker.getImage(tag).inspect();
    expect(inspected.Config.User).toBe('65532:65532');
    expect(Object.keys(inspected.Config.ExposedPorts ?? {})).toEqual(['50051/tcp']);

    const httpPort = await findFreePort('127.0.0.1');
    const container = await docker.createContainer({
      Image: tag,
      ExposedPorts: { '8081/tcp': {} },
      HostConfig: { PortBindings: { '8081/tcp': [{ HostIp: '127.0.0.1', HostPort: String(httpPort) }] } },
    });
    containers.push(container);
    await container.start();
    const health = await waitFor('greeter to be healthy', async () => {
      const status = (await container.inspect()).State.Health?.Status;
      if (status === 'unhealthy') throw new Error('unhealthy');
      return status === 'healthy' ? status : undefined;
    });
    expect(health).toBe('healthy');
    expect(await httpGet(`http://127.0.0.1:${httpPort}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    await container.stop({ t: 10 });
    expect((await container.inspect()).State.ExitCode).toBe(0);
  });

  it('single-module repository: cmd/api (net/http + OpenTelemetry) and cmd/worker, built from the module root', async () => {
    const root = newWorkspace('org-go-otel-');
    roots.push(root);
    writeModule(root, '.', {
      'go.mod': `module github.com/acme/shop\n\ngo 1.26\n\nrequire (\n\tgo.opentelemetry.io/otel ${OTEL_VERSION}\n\tgo.opentelemetry.io/otel/sdk ${OTEL_VERSION}\n\tgo.opentelemetry.io/otel/exporters/stdout/stdouttrace ${OTEL_VERSION}\n)\n`,
      'internal/telemetry/telemetry.go': shopTelemetry,
      'cmd/api/main.go': shopApi,
      'cmd/worker/main.go': shopWorker,
    });

    await expect(generateOnDisk(root, { project: 'shop' })).rejects.toThrow(/several main packages: cmd\/api, cmd\/worker\. Pass --command/);
    const apiReport = await generateOnDisk(root, { project: 'shop', command: 'cmd/api' });
    expect(apiReport).toMatch(/port: +8000 \(env rule, cmd\/api\/main\.go:\d+\)/);
    expect(apiReport).toMatch(/healthcheck: none\. No `healthcheck` subcommand found in cmd\/api/);
    const workerReport = await generateOnDisk(root, { project: 'worker' });
    expect(workerReport).toContain('wrote:       cmd/worker/Dockerfile (up to date: .dockerignore)');

    const apiTag = `org-go-api-${suffix}:latest`;
    const workerTag = `org-go-worker-${suffix}:latest`;
    tags.push(apiTag, workerTag);
    // The inferred docker-build target of a command project builds from the module root.
    const api = await build(root, 'api', 'cmd/api', apiTag, '../..');
    const worker = await build(root, 'worker', 'cmd/worker', workerTag, '../..');
    // eslint-disable-next-line no-console
    console.log(
      `api (OpenTelemetry): ${mib(api.size)}, built in ${api.buildSeconds.toFixed(1)}s; ` +
        `worker: ${mib(worker.size)}, built in ${worker.buildSeconds.toFixed(1)}s`,
    );
    // One go.mod for both commands: the worker's build reuses the api's module download layer.
    expect(worker.output).toMatch(/RUN go mod download\n ---> Using cache/);
    const inspected = await docker.getImage(apiTag).inspect();
    expect(inspected.Config.Healthcheck).toBeUndefined();
    expect(Object.keys(inspected.Config.ExposedPorts ?? {})).toEqual(['8000/tcp']);

    const port = await findFreePort('127.0.0.1');
    const container = await docker.createContainer({
      Image: apiTag,
      HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    containers.push(container);
    await container.start();
    const products = await waitFor('api to answer', () => httpGet(`http://127.0.0.1:${port}/products`));
    expect(products).toEqual({ status: 200, body: '[{"id":1,"name":"tea"}]' });
    await container.stop({ t: 10 });
    expect((await container.inspect()).State.ExitCode).toBe(0);
    // The span of the request went through the OpenTelemetry SDK to the stdout exporter.
    const logs = demuxBuffer((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer);
    expect(logs).toContain('"Name":"list-products"');
  });
});
