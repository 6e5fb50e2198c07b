import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What happened to each task of an Nx run, from two independent sources that must agree: the run
 * record Nx writes to `<cacheDirectory>/run.json`, and the `--outputStyle=static` terminal output,
 * where a task replayed from the cache is printed as `> nx run p:t  [local cache]` (or
 * `[existing outputs match the cache, left as is]`).
 */

export type TaskOutcome = 'executed' | 'cached' | 'failed';

export interface TaskOutcomes {
  /** Task id (`project:target`) → outcome. */
  tasks: Record<string, TaskOutcome>;
  /** Projects of the given target by outcome, sorted. */
  executed: string[];
  cached: string[];
  failed: string[];
}

interface RunRecord {
  run: { command: string };
  tasks: Array<{ taskId: string; projectName: string; target: string; cacheStatus: string; status: number }>;
}

const CACHE_MARK = /\[(local cache|remote cache|existing outputs match the cache, left as is)\]/;

export function runRecordPath(cacheDirectory: string): string {
  return join(cacheDirectory, 'run.json');
}

/** Drop the previous run's record, so a run without tasks is not mistaken for the one before it. */
export function clearRunRecord(cacheDirectory: string): void {
  rmSync(runRecordPath(cacheDirectory), { force: true });
}

/** `> nx run p:t [mark]` lines of static output: task id → whether it was replayed from the cache. */
export function cacheMarksFromOutput(output: string): Record<string, boolean> {
  const marks: Record<string, boolean> = {};
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s*> nx run (\S+:\S+)(.*)$/.exec(line.replace(/\u001b\[[0-9;]*m/g, ''));
    if (match) marks[match[1]] = CACHE_MARK.test(match[2]);
  }
  return marks;
}

/** The lines static output printed for one task (empty when it printed none). */
export function taskOutput(output: string, taskId: string): string {
  const lines = output.split(/\r?\n/).map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''));
  const header = `> nx run ${taskId}`;
  const start = lines.findIndex((line) => {
    const text = line.trim();
    return text === header || text.startsWith(`${header} `);
  });
  if (start < 0) return '';
  // The next task's header, or Nx's closing summary.
  const end = lines.findIndex((line, index) => index > start && (/^\s*> nx run \S+:\S+/.test(line) || /^\s*NX\s/.test(line)));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
}

/** Outcomes of the last run; throws when the run record and the terminal output disagree. */
export function readTaskOutcomes(cacheDirectory: string, output: string, target: string): TaskOutcomes {
  const file = runRecordPath(cacheDirectory);
  const record: RunRecord = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunRecord) : { run: { command: '' }, tasks: [] };
  const marks = cacheMarksFromOutput(output);
  const tasks: Record<string, TaskOutcome> = {};
  const problems: string[] = [];
  for (const task of record.tasks) {
    const cached = task.cacheStatus !== 'cache-miss';
    if (task.status !== 0) tasks[task.taskId] = 'failed';
    else tasks[task.taskId] = cached ? 'cached' : 'executed';
    if (!(task.taskId in marks)) problems.push(`${task.taskId} is in run.json but not in the output`);
    else if (marks[task.taskId] !== cached) problems.push(`${task.taskId}: run.json says ${task.cacheStatus}, the output says ${marks[task.taskId] ? 'cached' : 'not cached'}`);
  }
  for (const id of Object.keys(marks)) if (!(id in tasks)) problems.push(`${id} is in the output but not in run.json`);
  if (problems.length > 0) throw new Error(`Nx's run record and its output disagree:\n${problems.join('\n')}`);
  const of = (outcome: TaskOutcome) =>
    Object.entries(tasks)
      .filter(([id, value]) => value === outcome && id.endsWith(`:${target}`))
      .map(([id]) => id.slice(0, -target.length - 1))
      .sort();
  return { tasks, executed: of('executed'), cached: of('cached'), failed: of('failed') };
}

/**
 * Image ids a classic-builder build created, read from its output (`Step n/m : …` blocks ending in
 * ` ---> <id>`): neither base images (`FROM`) nor layers reused with `Using cache`.
 */
export function createdImageIds(output: string): string[] {
  const ids: string[] = [];
  let instruction = '';
  let reused = false;
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
    const step = /^Step \d+\/\d+ : (\S+)/.exec(line);
    if (step) {
      instruction = step[1].toUpperCase();
      reused = false;
      continue;
    }
    if (/^ ---> Using cache$/.test(line)) {
      reused = true;
      continue;
    }
    const id = /^ ---> ([0-9a-f]{12})$/.exec(line);
    if (id && instruction && instruction !== 'FROM' && !reused) ids.push(id[1]);
  }
  return [...new Set(ids)];
}
