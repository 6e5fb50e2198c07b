/**
 * Property-based tests of the docker generator over hostile port / baseImage / command options on a
 * fixed valid service it did not generate (issue 8, "Bad input"): every run either throws an Error
 * that names the option and says what to do, leaving the tree byte-for-byte unchanged, or writes a
 * consistent Dockerfile and .dockerignore. The seed is fixed so CI failures reproduce.
 */
import { logger, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import fc from 'fast-check';
import { RUNTIME_IMAGES } from '../../utils/constants';
import { SEED, field as mixed, nasty, prototypeKeys } from '../../testing/arbitraries';
import { snapshotTree } from '../../testing/tree';
import { dockerGenerator } from './docker';
import type { DockerGeneratorSchema } from './schema';

/** A plain net/http service: main.go at the module root, port 9090 in a ListenAndServe literal. */
const fixture: Record<string, string> = {
  'apps/plain/go.mod': 'module github.com/acme/plain\n\ngo 1.25.3\n',
  'apps/plain/main.go': `package main

import (
	"log"
	"net/http"
)

func main() {
	log.Fatal(http.ListenAndServe(":9090", http.NewServeMux()))
}
`,
};
const DETECTED_PORT = 9090;

/** Mostly valid values (3 in 4) with a hostile one mixed in, so each option's checks are reached. */
const field = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) => mixed(valid, hostile, 3);

const dockerInput = fc.record(
  {
    port: field(
      fc.integer({ min: 1, max: 65535 }),
      fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 65536, 80.5, NaN, Infinity, -Infinity, 1e21)),
    ),
    baseImage: field(fc.constantFrom('scratch', 'distroless', 'alpine'), fc.oneof(prototypeKeys, nasty)),
    command: field(fc.constantFrom('', '.', './', ' . ', 'apps/plain', 'apps/plain/'), fc.oneof(prototypeKeys, nasty)),
  },
  { requiredKeys: [] },
).map((options) => ({ project: 'plain', ...options }) as DockerGeneratorSchema);

const counts = { tried: 0, rejected: 0, accepted: 0, withoutExample: 0 };
const withoutExample = new Set<string>();
const started = Date.now();

afterAll(() => {
  console.log(
    `docker generator property (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s): ` +
      `inputs tried ${counts.tried}, rejected ${counts.rejected}, accepted ${counts.accepted}, ` +
      `rejections that give a next step but no "e.g." example: ${counts.withoutExample}` +
      (withoutExample.size > 0 ? ` (${[...withoutExample].join(' | ')})` : ''),
  );
});

function expectCleanRejection(error: unknown, before: Map<string, string>, tree: Tree): void {
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).toMatch(/Invalid (port|baseImage)\b|--command\b/);
  // A valid example, or for --command (whose valid values depend on the project) the choices.
  if (!/e\.g\. \S/.test(message)) {
    expect(message).toMatch(/^--command [\s\S]* (Drop --command|Choose one of)/);
    counts.withoutExample++;
    withoutExample.add(message.replace(/^--command "[\s\S]*" is not/, '--command "…" is not'));
  }
  expect(snapshotTree(tree)).toEqual(before);
}

function expectConsistentOutput(input: DockerGeneratorSchema, before: Map<string, string>, tree: Tree): void {
  const after = snapshotTree(tree);
  const changed = [...after.keys()].filter((path) => before.get(path) !== after.get(path)).sort();
  // Besides these two, only workspace-level files (nx.json registering the plugin, .gitattributes) change.
  expect(changed.filter((path) => path.includes('/'))).toEqual(['apps/plain/.dockerignore', 'apps/plain/Dockerfile']);
  for (const path of Object.keys(fixture)) expect(after.get(path)).toBe(fixture[path]);

  const dockerfile = after.get('apps/plain/Dockerfile') ?? '';
  expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${input.port ?? DETECTED_PORT}$`, 'm'));
  const runtimeImage = RUNTIME_IMAGES[(input.baseImage ?? 'scratch') as keyof typeof RUNTIME_IMAGES];
  expect(dockerfile).toContain(`ARG RUNTIME_IMAGE=${runtimeImage}\n`);
  expect(dockerfile).not.toMatch(/function|\[native code\]|undefined|NaN/);
  expect(dockerfile).toMatch(/go build .* \.(\s|$)/m);
}

describe('docker generator under arbitrary options', () => {
  beforeAll(() => {
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  it('rejects cleanly (option named, next step given, tree unchanged) or writes a consistent Dockerfile', async () => {
    await fc.assert(
      fc.asyncProperty(dockerInput, async (input) => {
        counts.tried++;
        const tree = createTreeWithEmptyWorkspace();
        for (const [path, content] of Object.entries(fixture)) tree.write(path, content);
        const before = snapshotTree(tree);
        let error: unknown;
        try {
          await dockerGenerator(tree, input);
        } catch (caught) {
          error = caught;
        }
        if (error !== undefined) {
          counts.rejected++;
          expectCleanRejection(error, before, tree);
        } else {
          counts.accepted++;
          expectConsistentOutput(input, before, tree);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(100);
  });
});
