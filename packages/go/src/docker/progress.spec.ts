import { Readable } from 'node:stream';
import { BuildProgress, followProgress, formatBuildSummary, progressStyle, type ProgressEvent } from './progress';

/** Recorded from Docker Engine 20.10 (classic builder): `POST /build` of a generated service after a one-line .go edit. */
const WARM_BUILD: ProgressEvent[] = [
  {"stream": "Step 1/27 : ARG BUILDER_IMAGE=golang:1.26-bookworm"},
  {"stream": "\n"},
  {"stream": "Step 2/27 : ARG RUNTIME_IMAGE=scratch"},
  {"stream": "\n"},
  {"stream": "Step 3/27 : FROM ${BUILDER_IMAGE} AS build"},
  {"stream": "\n"},
  {"stream": " ---> 799ec5c6c3d6\n"},
  {"stream": "Step 4/27 : RUN mkdir -p /out/rootfs/etc/ssl/certs /out/rootfs/tmp  && chmod 1777 /out/rootfs/tmp  && cp /etc/ssl/certs/ca-certificates.crt /out/rootfs/etc/ssl/certs/ca-certificates.crt  && printf '%s\\n'       'root:x:0:0:root:/root:/sbin/nologin'       'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin'       'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin'       > /out/rootfs/etc/passwd  && printf '%s\\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' > /out/rootfs/etc/group"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 363cc01bca69\n"},
  {"stream": "Step 5/27 : WORKDIR /src"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> f920b1441fad\n"},
  {"stream": "Step 6/27 : ARG GOPROXY"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> d0b9156c39a8\n"},
  {"stream": "Step 7/27 : ARG GOPRIVATE"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 875077fbada0\n"},
  {"stream": "Step 8/27 : ARG GONOSUMDB"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 14369fa1eb8b\n"},
  {"stream": "Step 9/27 : COPY go.mod go.sum* go.work* .org-go* ./"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 169c17e8268e\n"},
  {"stream": "Step 10/27 : RUN go mod download"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> c85822d65b25\n"},
  {"stream": "Step 11/27 : COPY . ."},
  {"stream": "\n"},
  {"stream": " ---> b5f90546911c\n"},
  {"stream": "Step 12/27 : ARG VERSION=dev"},
  {"stream": "\n"},
  {"stream": " ---> Running in cb98172f562b\n"},
  {"stream": "Removing intermediate container cb98172f562b\n"},
  {"stream": " ---> 8adab974736d\n"},
  {"stream": "Step 13/27 : RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags=\"-s -w -X main.version=${VERSION}\" -o /out/probe ./cmd/probe"},
  {"stream": "\n"},
  {"stream": " ---> Running in 9993e07299ed\n"},
  {"stream": "Removing intermediate container 9993e07299ed\n"},
  {"stream": " ---> f4e146c99bcc\n"},
  {"aux": {"ID": "sha256:f4e146c99bcc1aa3a4b7936b858a7f6cf529a2b817408eb5259ccac54f9bbfb8"}},
  {"stream": "Step 14/27 : FROM ${RUNTIME_IMAGE}"},
  {"stream": "\n"},
  {"stream": " ---> \n"},
  {"stream": "Step 15/27 : COPY --from=build /out/rootfs/ /"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 2347d92d319f\n"},
  {"stream": "Step 16/27 : COPY --from=build /out/probe /probe"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 4fb290e62389\n"},
  {"stream": "Step 17/27 : USER 65532:65532"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 2883e68f789f\n"},
  {"stream": "Step 18/27 : EXPOSE 8080"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> ceb39a3dcc43\n"},
  {"stream": "Step 19/27 : ENV PORT=8080"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 6aa1599eb35d\n"},
  {"stream": "Step 20/27 : ARG RUNTIME_IMAGE"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> e82bb14010e1\n"},
  {"stream": "Step 21/27 : ARG VERSION=dev"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 6bb7e3241096\n"},
  {"stream": "Step 22/27 : ARG REVISION="},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 98342a2f14f2\n"},
  {"stream": "Step 23/27 : ARG CREATED="},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 021bdb4f3d83\n"},
  {"stream": "Step 24/27 : ARG SOURCE="},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> be531d7a0b13\n"},
  {"stream": "Step 25/27 : LABEL org.opencontainers.image.title=\"probe\"       org.opencontainers.image.version=\"${VERSION}\"       org.opencontainers.image.revision=\"${REVISION}\"       org.opencontainers.image.created=\"${CREATED}\"       org.opencontainers.image.source=\"${SOURCE}\"       org.opencontainers.image.base.name=\"${RUNTIME_IMAGE}\""},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> d987e11021a8\n"},
  {"stream": "Step 26/27 : HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD [\"/probe\", \"healthcheck\"]"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> 276beae4acea\n"},
  {"stream": "Step 27/27 : ENTRYPOINT [\"/probe\"]"},
  {"stream": "\n"},
  {"stream": " ---> Using cache\n"},
  {"stream": " ---> ab229571558f\n"},
  {"aux": {"ID": "sha256:ab229571558f599794cffaa63e3073ece5a253f8cb7afe0fb2be26de1ba56752"}},
  {"stream": "Successfully built ab229571558f\n"},
  {"stream": "Successfully tagged pb-probe:latest\n"},
];

/** Recorded from the same engine: a RUN step that prints to stdout and stderr, then exits 3. */
const FAILED_BUILD: ProgressEvent[] = [
  {"stream": "Step 1/3 : FROM golang:1.26-bookworm"},
  {"stream": "\n"},
  {"stream": " ---> 799ec5c6c3d6\n"},
  {"stream": "Step 2/3 : RUN echo preparing"},
  {"stream": "\n"},
  {"stream": " ---> Running in a8939b100b31\n"},
  {"stream": "preparing\n"},
  {"stream": "Removing intermediate container a8939b100b31\n"},
  {"stream": " ---> 855673634d73\n"},
  {"stream": "Step 3/3 : RUN echo \"main.go:3:1: syntax error\" >&2 && exit 3"},
  {"stream": "\n"},
  {"stream": " ---> Running in 8e3267d35b7d\n"},
  {"stream": "\u001b[91mmain.go:3:1: syntax error\n\u001b[0m"},
  {"stream": "Removing intermediate container 8e3267d35b7d\n"},
  {"errorDetail": {"code": 3, "message": "The command '/bin/sh -c echo \"main.go:3:1: syntax error\" >&2 && exit 3' returned a non-zero code: 3"}, "error": "The command '/bin/sh -c echo \"main.go:3:1: syntax error\" >&2 && exit 3' returned a non-zero code: 3"},
];

/** The recorded events as the engine streams them: JSON lines, cut at arbitrary points. */
function engineStream(events: ProgressEvent[]): Readable {
  const text = events.map((event) => `${JSON.stringify(event)}\n`).join('');
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 97) chunks.push(text.slice(i, i + 97));
  return Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
}

function run(style: 'plain' | 'tty' | 'quiet', events: ProgressEvent[]) {
  const written: string[] = [];
  let now = 0;
  const progress = new BuildProgress(style, (text) => void written.push(text), () => (now += 100));
  for (const event of events) progress.onEvent(event);
  progress.finish();
  return { progress, output: written.join('') };
}

describe('BuildProgress on recorded engine output', () => {
  it('counts the steps and the cache hits the engine reported', async () => {
    const { progress } = run('quiet', await followProgress(engineStream(WARM_BUILD)));
    const raw = WARM_BUILD.map((event) => event.stream ?? '').join('');
    expect(progress.steps).toHaveLength(27);
    expect(progress.totalSteps).toBe(27);
    expect(progress.cacheHits).toBe((raw.match(/^ ---> Using cache$/gm) ?? []).length);
    expect(progress.cacheHits).toBe(20);
    expect(progress.steps.filter((step) => !step.cached).map((step) => step.index)).toEqual([1, 2, 3, 11, 12, 13, 14]);
    expect(progress.steps[12]).toMatchObject({ index: 13, instruction: expect.stringMatching(/^RUN CGO_ENABLED=0 GOOS=linux go build -trimpath/), cached: false, output: [] });
    expect(progress.steps.every((step) => step.seconds !== undefined)).toBe(true);
  });

  it('plain: the engine lines as sent, colour codes removed, no carriage returns', () => {
    const { output } = run('plain', FAILED_BUILD.slice(0, -1));
    expect(output).toBe(
      [
        'Step 1/3 : FROM golang:1.26-bookworm',
        ' ---> 799ec5c6c3d6',
        'Step 2/3 : RUN echo preparing',
        ' ---> Running in a8939b100b31',
        'preparing',
        'Removing intermediate container a8939b100b31',
        ' ---> 855673634d73',
        'Step 3/3 : RUN echo "main.go:3:1: syntax error" >&2 && exit 3',
        ' ---> Running in 8e3267d35b7d',
        'main.go:3:1: syntax error',
        'Removing intermediate container 8e3267d35b7d',
        '',
      ].join('\n'),
    );
    const warm = run('plain', WARM_BUILD).output;
    expect(warm).not.toMatch(/[\r\u001b]/);
    expect(warm.split('\n').filter((line) => line === ' ---> Using cache')).toHaveLength(20);
  });

  it('tty: the same lines, with a live status line cleared before each', () => {
    const { output } = run('tty', WARM_BUILD);
    const plain = run('plain', WARM_BUILD).output;
    // Without the status lines (each drawn after a clear, up to the next carriage return) and the clears: the plain output.
    expect(output.replace(/\r\u001b\[2K[^\n\r]*(?=\r)/g, '').replace(/\r\u001b\[2K/g, '')).toBe(plain);
    expect(output).toMatch(/\r\u001b\[2K[|/\\-] step 13\/27 RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-… · \d+s · 7 cached/);
    expect(output.endsWith('\r\u001b[2K')).toBe(true); // the status line is gone at the end
  });

  it('quiet: nothing written, and the failing step with its output for the error', async () => {
    const written: string[] = [];
    const progress = new BuildProgress('quiet', (text) => void written.push(text));
    await expect(followProgress(engineStream(FAILED_BUILD), (event) => progress.onEvent(event))).rejects.toMatchObject({
      message: expect.stringMatching(/returned a non-zero code: 3$/),
      statusCode: 3,
    });
    progress.finish();
    expect(written).toEqual([]);
    expect(progress.describeFailure(3)).toBe('Step 3/3 failed (exit code 3): RUN echo "main.go:3:1: syntax error" >&2 && exit 3\n  | main.go:3:1: syntax error');
    expect(progress.describeFailure(3, false)).toBe('Step 3/3 failed (exit code 3): RUN echo "main.go:3:1: syntax error" >&2 && exit 3');
    expect(progress.steps[1].output).toEqual(['preparing']);
  });

  it('shows pull status once per change, without progress bars, in plain style', () => {
    const { output } = run('plain', [
      { status: 'Pulling from library/alpine', id: '3.22' },
      { status: 'Downloading', id: 'abc', progress: '[==>   ] 1MB/3MB' },
      { status: 'Downloading', id: 'abc', progress: '[====> ] 2MB/3MB' },
      { status: 'Pull complete', id: 'abc' },
      { stream: 'Step 1/1 : FROM alpine:3.22\n' },
    ]);
    expect(output).toBe('3.22: Pulling from library/alpine\nabc: Downloading\nabc: Pull complete\nStep 1/1 : FROM alpine:3.22\n');
  });
});

describe('progressStyle', () => {
  it.each([
    [false, { CI: 'true' }, true, 'plain'],
    [false, { CI: '1' }, true, 'plain'],
    [false, { CI: 'false' }, true, 'tty'],
    [false, {}, false, 'plain'],
    [false, { TERM: 'dumb' }, true, 'plain'],
    [false, {}, true, 'tty'],
    [true, {}, true, 'quiet'],
  ] as const)('quiet=%p env=%j tty=%p → %s', (quiet, env, tty, style) => {
    expect(progressStyle(quiet, env, tty)).toBe(style);
  });
});

describe('formatBuildSummary', () => {
  it('puts image, short id, size, layers, seconds, bytes sent and cache hits on one line', () => {
    expect(
      formatBuildSummary({ image: 'orders:latest', id: 'sha256:1f752cfcbdb8aa', size: 6_897_152, layers: 2, seconds: 12.34, sentBytes: 33_792, cache: { hits: 19, steps: 27 } }),
    ).toBe('Built orders:latest 1f752cfcbdb8 · 6.9 MB · 2 layers · 12.3s · context 33.8 kB sent · cache 19/27 steps');
    expect(formatBuildSummary({ image: 'orders:latest', id: 'sha256:59a74c5b76b5ff', size: 6_870_000, layers: 1, seconds: 0.93, sentBytes: 7_100_000, sent: 'archive', note: 'prebuilt, go build 0.4s' })).toBe(
      'Built orders:latest 59a74c5b76b5 · 6.9 MB · 1 layer · 0.9s · archive 7.1 MB sent · prebuilt, go build 0.4s',
    );
  });
});
