import { formatBytes } from '../utils/format';
import { DockerError } from './errors';

/** One JSON message of the engine's build or push progress stream. */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/**
 * Reads a newline-delimited JSON progress stream to its end, calling `onEvent` for each message.
 * Rejects on the first `error`/`errorDetail` message (the engine reports build and push failures
 * that way while the HTTP status is 200), on malformed JSON and on stream errors.
 */
export function followProgress(
  stream: NodeJS.ReadableStream,
  onEvent: (event: ProgressEvent) => void = () => undefined,
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ProgressEvent[] = [];
    let buffered = '';
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const handleLine = (line: string) => {
      if (settled || line.trim() === '') return;
      let event: ProgressEvent;
      try {
        event = JSON.parse(line) as ProgressEvent;
      } catch {
        fail(new DockerError(`The Docker engine sent an unreadable progress message: ${line.slice(0, 200)}`, 'engine'));
        return;
      }
      events.push(event);
      if (event.errorDetail || event.error) {
        const message = event.errorDetail?.message ?? event.error ?? 'unknown error';
        fail(new DockerError(message.trim(), 'build', event.errorDetail?.code));
        return;
      }
      onEvent(event);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        handleLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    });
    stream.on('error', (err: Error) => fail(err));
    stream.on('end', () => {
      handleLine(buffered);
      if (!settled) {
        settled = true;
        resolve(events);
      }
    });
  });
}

/** One `Step n/m : …` of a classic-builder build, as the engine reported it. */
export interface BuildStep {
  index: number;
  total: number;
  instruction: string;
  /** The engine reused the layer (` ---> Using cache`). */
  cached: boolean;
  /** What the step printed (RUN output), without the engine's bookkeeping lines; the last 200 lines. */
  output: string[];
  startedAt: number;
  seconds?: number;
}

/** How build progress is shown: `plain` lines (CI, no TTY), `tty` (plus a live status line), or `quiet` (nothing). */
export type ProgressStyle = 'plain' | 'tty' | 'quiet';

/** `plain` under CI, with no TTY, or on a dumb terminal; else `tty`. `quiet` wins. */
export function progressStyle(quiet: boolean, env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stdout.isTTY === true): ProgressStyle {
  if (quiet) return 'quiet';
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return ci || !isTTY || env.TERM === 'dumb' ? 'plain' : 'tty';
}

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
/** The engine's bookkeeping between steps: not output of the step. */
const BOOKKEEPING = /^( ---> (Using cache|Running in [0-9a-f]+|[0-9a-f]{12,64}|)\s*|Removing intermediate container [0-9a-f]+|Successfully (built|tagged) .*)$/;
const SPINNER = ['|', '/', '-', '\\'];

/**
 * Follows a classic-builder build (`Step 3/12 : COPY . .`, ` ---> Using cache`, RUN output) and shows
 * it: in `plain` style the engine's lines as they are (colour codes removed), in `tty` style the same
 * lines under a live status line (step, elapsed seconds, cache hits) redrawn in place. Keeps counts for
 * the summary and the failing step's output for the error.
 */
export class BuildProgress {
  readonly steps: BuildStep[] = [];
  private partial = '';
  private statusShown = false;
  private lastStatus = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private pulling: string | undefined;

  constructor(
    private readonly style: ProgressStyle,
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
    private readonly now: () => number = Date.now,
  ) {
    if (style === 'tty') {
      this.timer = setInterval(() => this.drawStatus(), 250);
      this.timer.unref();
    }
  }

  get cacheHits(): number {
    return this.steps.filter((step) => step.cached).length;
  }

  /** Steps the Dockerfile has (the engine's `m` of `Step n/m`), or those seen. */
  get totalSteps(): number {
    return this.steps[this.steps.length - 1]?.total ?? 0;
  }

  get currentStep(): BuildStep | undefined {
    return this.steps[this.steps.length - 1];
  }

  onEvent(event: ProgressEvent): void {
    if (event.stream !== undefined) {
      this.partial += event.stream;
      let newline = this.partial.indexOf('\n');
      while (newline >= 0) {
        this.onLine(this.partial.slice(0, newline));
        this.partial = this.partial.slice(newline + 1);
        newline = this.partial.indexOf('\n');
      }
    } else if (event.status) {
      this.onStatus(event);
    }
  }

  /** Ends the display: flushes a last partial line and removes the live status line. */
  finish(): void {
    if (this.partial !== '') {
      this.onLine(this.partial);
      this.partial = '';
    }
    const current = this.currentStep;
    if (current && current.seconds === undefined) current.seconds = (this.now() - current.startedAt) / 1000;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearStatus();
  }

  /**
   * The step that was running when the build failed, for the error message; with the last lines it
   * printed when `withOutput` (they were not shown while it ran, e.g. when quiet).
   */
  describeFailure(exitCode?: number, withOutput = true): string | undefined {
    const step = this.currentStep;
    if (!step) return undefined;
    const code = exitCode !== undefined ? ` (exit code ${exitCode})` : '';
    const tail = withOutput ? step.output.slice(-30) : [];
    return [`Step ${step.index}/${step.total} failed${code}: ${step.instruction}`, ...tail.map((line) => `  | ${line}`)].join('\n');
  }

  private onLine(raw: string): void {
    const line = raw.replace(ANSI, '').replace(/\r$/, '');
    const step = STEP.exec(line);
    const now = this.now();
    if (step) {
      const previous = this.currentStep;
      if (previous && previous.seconds === undefined) previous.seconds = (now - previous.startedAt) / 1000;
      this.steps.push({ index: Number(step[1]), total: Number(step[2]), instruction: step[3], cached: false, output: [], startedAt: now });
      this.pulling = undefined;
    } else if (/^ ---> Using cache\s*$/.test(line)) {
      if (this.currentStep) this.currentStep.cached = true;
    } else if (!BOOKKEEPING.test(line) && this.currentStep) {
      const output = this.currentStep.output;
      output.push(line);
      if (output.length > 200) output.shift();
    }
    if (this.style === 'quiet') return;
    this.print(line);
  }

  private onStatus(event: ProgressEvent): void {
    const key = event.id ?? '';
    const text = event.id ? `${event.id}: ${event.status}` : (event.status as string);
    if (this.style === 'tty' && event.progress) {
      this.pulling = `${text} ${event.progress}`;
      this.drawStatus();
      return;
    }
    // Plain: one line per change of status, no progress bars.
    if (this.lastStatus.get(key) === event.status) return;
    this.lastStatus.set(key, event.status as string);
    if (this.style === 'quiet') return;
    this.print(text);
  }

  private print(line: string): void {
    this.clearStatus();
    this.write(`${line}\n`);
    this.drawStatus();
  }

  private statusText(): string | undefined {
    const step = this.currentStep;
    if (!step) return this.pulling;
    const seconds = ((this.now() - step.startedAt) / 1000).toFixed(0);
    const hits = this.cacheHits;
    const instruction = step.instruction.length > 60 ? `${step.instruction.slice(0, 59)}…` : step.instruction;
    const detail = this.pulling ? ` · ${this.pulling}` : '';
    return `${SPINNER[this.frame % SPINNER.length]} step ${step.index}/${step.total} ${instruction} · ${seconds}s · ${hits} cached${detail}`;
  }

  private drawStatus(): void {
    if (this.style !== 'tty' || !this.timer) return;
    const text = this.statusText();
    if (!text) return;
    this.frame += 1;
    const width = Math.max(20, (process.stdout.columns || 100) - 1);
    this.write(`\r\u001b[2K${text.slice(0, width)}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.write('\r\u001b[2K');
    this.statusShown = false;
  }
}

export interface BuildSummary {
  /** The first tag, or the short id when untagged. */
  image: string;
  id: string;
  size: number;
  layers: number;
  seconds: number;
  /** Bytes sent to the engine: the build context, or (prebuilt) the image archive. */
  sentBytes: number;
  /** What was sent (default `context`). */
  sent?: 'context' | 'archive';
  /** Classic-builder steps and how many reused the layer cache. */
  cache?: { hits: number; steps: number };
  /** Mode-specific detail, e.g. `prebuilt, go build 0.4s`. */
  note?: string;
}

/**
 * One line for the end of a build, the same in both modes:
 * `Built orders:latest 1f752cfcbdb8 · 6.9 MB · 2 layers · 12.3s · context 33.0 kB sent · cache 19/27 steps`.
 */
export function formatBuildSummary(summary: BuildSummary): string {
  const parts = [
    `Built ${summary.image} ${summary.id.replace(/^sha256:/, '').slice(0, 12)}`,
    formatBytes(summary.size),
    `${summary.layers} ${summary.layers === 1 ? 'layer' : 'layers'}`,
    `${summary.seconds.toFixed(1)}s`,
    `${summary.sent ?? 'context'} ${formatBytes(summary.sentBytes)} sent`,
  ];
  if (summary.cache) parts.push(`cache ${summary.cache.hits}/${summary.cache.steps} steps`);
  if (summary.note) parts.push(summary.note);
  return parts.join(' · ');
}
