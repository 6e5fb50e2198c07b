/**
 * The generated pipelines checked by the providers' own tools, offline (tools/ci-lint/install.sh puts
 * them in the cache once; under CI these specs never skip):
 *   GitHub: actionlint v1.7.12 (workflow schema, expressions, contexts, action inputs, job needs and
 *           outputs) with shellcheck on every `run:` script; and SchemaStore's github-workflow schema.
 *   GitLab: GitLab's own .gitlab-ci.yml JSON schema (ci.json, as check-jsonschema vendors it) with
 *           ajv; and shellcheck on each job's before_script + script.
 */
import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import Ajv from 'ajv';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ciGenerator } from './ci';
import { actionlintForSpecs, schemaForSpecs, shellcheckForSpecs } from './lint-tools.test';
import type { CiGeneratorSchema } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any */

const actionlint = actionlintForSpecs();
const shellcheck = shellcheckForSpecs();
const gitlabSchemaFile = schemaForSpecs('gitlab-ci');
const githubSchemaFile = schemaForSpecs('github-workflows');

type Variant = [string, Omit<CiGeneratorSchema, 'provider'>, (tree: Tree) => void];
const VARIANTS: Variant[] = [
  ['defaults', {}, () => undefined],
  ['gitops and a registry', { gitops: true, registry: 'registry.acme.io:5000' }, () => undefined],
  [
    'another branch, parallel 8, go.mod and .nvmrc',
    { mainBranch: 'release/v2', parallel: 8, gitops: true },
    (tree) => {
      tree.delete('go.work');
      tree.write('go.mod', 'module example.com/shop\n\ngo 1.25.3\n');
      tree.write('.nvmrc', '22\n');
    },
  ],
  ['no go.work, renamed targets', { fileName: 'pipeline.yaml' }, (tree) => {
    tree.delete('go.work');
    updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@org/go', options: { lintTargetName: 'vet', dockerPushTargetName: 'publish' } }] });
  }],
];

async function render(provider: CiGeneratorSchema['provider'], options: Omit<CiGeneratorSchema, 'provider'>, prepare: (tree: Tree) => void): Promise<{ path: string; text: string }> {
  const tree = createTreeWithEmptyWorkspace();
  updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@org/go', options: {} }] });
  tree.write('go.work', 'go 1.26\n');
  tree.write('package-lock.json', '{}\n');
  prepare(tree);
  await ciGenerator(tree, { provider, ...options });
  const path = provider === 'github' ? `.github/workflows/${options.fileName ?? 'ci.yml'}` : (options.fileName ?? '.gitlab-ci.yml');
  return { path, text: tree.read(path, 'utf-8') as string };
}

function compileSchema(file: string) {
  // Draft-07 semantics: keywords beside $ref are ignored (ajv says so for each one; it need not).
  const ajv = new Ajv({ allErrors: true, jsonPointers: true, schemaId: 'auto', unknownFormats: 'ignore', logger: false });
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}

function schemaErrors(validate: ReturnType<typeof compileSchema>, doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((error) => `${error.dataPath || '/'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`);
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'org-go-ci-lint-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(() => {
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

interface ActionlintError {
  message: string;
  filepath: string;
  line: number;
  column: number;
  kind: string;
}

/** Runs actionlint on `text` as a workflow file of a repository; returns its findings. */
function runActionlint(text: string, name: string): ActionlintError[] {
  const repo = mkdtempSync(join(work, 'repo-'));
  const file = join(repo, '.github', 'workflows', name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  const result = spawnSync(actionlint as string, ['-format', '{{json .}}', '-shellcheck', shellcheck as string, '-pyflakes=', `.github/workflows/${name}`], { cwd: repo, encoding: 'utf8' });
  if (result.status !== 0 && result.status !== 1) throw new Error(`actionlint failed (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout || '[]') as ActionlintError[];
}

/** shellcheck findings of the job's before_script + script, as GitLab runs them (one bash script). */
function shellcheckJob(job: any): string[] {
  const lines = [...(job.before_script ?? []), ...(job.script ?? [])] as string[];
  const script = ['#!/usr/bin/env bash', 'set -eo pipefail', ...lines].join('\n');
  const result = spawnSync(shellcheck as string, ['-s', 'bash', '-f', 'gcc', '-'], { input: script, encoding: 'utf8' });
  if (result.status !== 0 && result.status !== 1) throw new Error(`shellcheck failed (exit ${result.status}): ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

(actionlint && shellcheck ? describe : describe.skip)('GitHub workflow: actionlint v1.7.12 with shellcheck', () => {
  it.each(VARIANTS)('%s: no finding', async (_, options, prepare) => {
    const { path, text } = await render('github', options, prepare);
    expect(runActionlint(text, path.split('/').pop() as string)).toEqual([]);
  });

  it('is a real check: a wrong context, an unknown input and an unquoted variable are reported', async () => {
    const { text } = await render('github', { gitops: true }, () => undefined);
    const broken = text
      .replace("if: needs.affected.outputs.pushed == 'true'", "if: needs.affected.outputs.pusht == 'true'")
      .replace('fetch-depth: 0\n', 'fetch-dept: 0\n')
      .replace('echo "$dir" >> "$GITHUB_PATH"', 'echo $dir >> $GITHUB_PATH');
    const kinds = runActionlint(broken, 'ci.yml').map((error) => `${error.kind}: ${error.message}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^expression: property "pusht" is not defined/),
        expect.stringMatching(/^action: input "fetch-dept" is not defined in action "actions\/checkout@v6"/),
        expect.stringMatching(/^shellcheck: .*SC2086/),
      ]),
    );
  });
});

describe("GitHub workflow: the 'Did docker-push push anything?' step, run with bash as the runner does", () => {
  it.each<[string, Record<string, string>, string]>([
    ['no dist folder: pushed=false', {}, 'pushed=false'],
    ['images built but not pushed: pushed=false', { 'dist/apps/orders/docker/image.json': '{"id":"sha256:a"}' }, 'pushed=false'],
    [
      'one pushed image among others: pushed=true',
      { 'dist/apps/orders/docker/image.json': '{"id":"sha256:a"}', 'dist/services/x/pay/docker/image.json': '{"id":"sha256:b"}', 'dist/services/x/pay/docker/push.json': '{"id":"sha256:b"}' },
      'pushed=true',
    ],
  ])('%s', async (_, files, expected) => {
    const { text } = await render('github', { gitops: true }, () => undefined);
    const step = parse(text).jobs.affected.steps.find((candidate: any) => candidate.id === 'pushed');
    const dir = mkdtempSync(join(work, 'pushed-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const output = join(dir, 'github-output');
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: output }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe(`${expected}\n`);
  });
});

(githubSchemaFile ? describe : describe.skip)("GitHub workflow: SchemaStore's github-workflow schema", () => {
  it.each(VARIANTS)('%s: valid', async (_, options, prepare) => {
    const validate = compileSchema(githubSchemaFile as string);
    const { text } = await render('github', options, prepare);
    expect(schemaErrors(validate, parse(text))).toEqual([]);
  });
});

(gitlabSchemaFile ? describe : describe.skip)("GitLab pipeline: GitLab's .gitlab-ci.yml schema", () => {
  it.each(VARIANTS)('%s: valid', async (_, options, prepare) => {
    const validate = compileSchema(gitlabSchemaFile as string);
    const { text } = await render('gitlab', options, prepare);
    expect(schemaErrors(validate, parse(text))).toEqual([]);
  });

  it('is a real check: an unknown job key, a bad cache "when" and a bad stage list are reported', async () => {
    const validate = compileSchema(gitlabSchemaFile as string);
    const doc = parse((await render('gitlab', { gitops: true }, () => undefined)).text);
    doc.affected.scriptz = ['true'];
    doc.gitops.cache[0].when = 'sometimes';
    doc.stages = 'verify';
    const errors = schemaErrors(validate, doc).join('\n');
    expect(errors).toContain('/affected should NOT have additional properties {"additionalProperty":"scriptz"}');
    expect(errors).toContain('/gitops/cache/0/when should be equal to one of the allowed values');
    expect(errors).toContain('/stages should be array');
  });
});

(shellcheck ? describe : describe.skip)('GitLab pipeline: the job scripts pass shellcheck', () => {
  it.each(VARIANTS)('%s: no finding', async (_, options, prepare) => {
    const doc = parse((await render('gitlab', options, prepare)).text);
    const jobs = Object.entries(doc).filter(([, value]) => value && typeof value === 'object' && 'script' in (value as object));
    expect(jobs.length).toBeGreaterThan(0);
    for (const [name, job] of jobs) expect({ name, findings: shellcheckJob(job) }).toEqual({ name, findings: [] });
  });

  it('is a real check: an unquoted variable is reported', () => {
    expect(shellcheckJob({ script: ['dir=$HOME/x', 'ls $dir'] }).join('\n')).toContain('SC2086');
  });
});
