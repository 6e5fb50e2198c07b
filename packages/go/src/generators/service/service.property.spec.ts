/**
 * Property-based tests of the service generator over hostile input (issue 8, "Bad input"): every
 * run either throws an Error that names the field and gives a valid example, leaving the tree
 * byte-for-byte unchanged, or writes a consistent service. A few accepted inputs are built and
 * tested with the real Go toolchain. Seeds are fixed so CI failures reproduce.
 */
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SEED, expectCleanRejection, expectNewModule, field, longSegment, nasty, prototypeKeys, validDir, validName } from '../../testing/arbitraries';
import { snapshotTree } from '../../testing/tree';
import { generateWorkspace } from '../../testing/workspace';
import type { ServiceGeneratorSchema } from './schema';
import { serviceGenerator } from './service';

const GO = '/usr/local/go/bin/go';

const serviceInput = fc.record(
  {
    name: field(fc.oneof(validName, fc.tuple(validDir, validName).map(([dir, name]) => `${dir}/${name}`)), nasty),
    port: field(
      fc.integer({ min: 1, max: 65535 }),
      fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 65536, 80.5, NaN, Infinity, -Infinity, 1e21, Number.MAX_SAFE_INTEGER)),
    ),
    module: field(fc.stringMatching(/^[a-z][a-z0-9]{0,8}\.(com|io)(\/[A-Za-z0-9._~-]{1,10}){0,3}$/), nasty),
    goVersion: field(
      fc.constantFrom<string | number>('1.26', '1.25.3', '1.20', 1.26, 1.25, '1.21.0'),
      fc.oneof(fc.constantFrom<string | number>(1.2, '1.999', '1.026', '1.20.01', '2.0', 'go1.26', '1.26rc1'), fc.stringMatching(/^1\.\d{1,3}(\.\d{1,3})?$/), fc.double(), nasty),
    ),
    baseImage: field(fc.constantFrom('scratch', 'distroless', 'alpine'), fc.oneof(prototypeKeys, nasty)),
    directory: field(validDir, fc.oneof(prototypeKeys, longSegment, nasty)),
  },
  { requiredKeys: ['name'] },
) as fc.Arbitrary<ServiceGeneratorSchema>;

/** The error names the field (or quotes the bad value) and gives a valid example. */
const NAMES_A_FIELD = /Invalid (service name|service path|service folder|directory|port|Go version|baseImage|Go module path)\b|already exists/;

/** The new project's files are where and what the options say. */
function expectConsistentService(input: ServiceGeneratorSchema, tree: Tree): void {
  const { projectRoot, goMod } = expectNewModule(input, tree);
  const dockerfile = tree.read(`${projectRoot}/Dockerfile`, 'utf-8') ?? '';
  expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${input.port ?? 8080}$`, 'm'));
  expect(dockerfile).not.toMatch(/function|\[native code\]|undefined/);
  // Go's own version syntax (go.mod rejects leading zeros such as 1.026).
  const goVersion = /^go (\S+)$/m.exec(goMod)?.[1] ?? '';
  expect(goVersion).toMatch(/^1\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/);
}

const counts = { tried: 0, rejected: 0, accepted: 0 };
const buildCounts = { tried: 0, built: 0 };
const built: string[] = [];
const started = Date.now();

afterAll(() => {
  console.log(
    `service generator properties (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s): ` +
      `inputs tried ${counts.tried}, rejected ${counts.rejected}, accepted ${counts.accepted}, ` +
      `accepted inputs built with go vet + go test: ${buildCounts.built}/${buildCounts.tried} ${built.join(' ')}`,
  );
});

/** Runs the generator on an empty workspace; the verdict the properties judge. */
async function run(input: ServiceGeneratorSchema): Promise<{ tree: Tree; before: Map<string, string>; error?: unknown }> {
  const tree = createTreeWithEmptyWorkspace();
  const before = snapshotTree(tree);
  try {
    await serviceGenerator(tree, input);
    return { tree, before };
  } catch (error) {
    return { tree, before, error };
  }
}

describe('service generator under arbitrary input', () => {
  it('rejects cleanly (field named, example given, tree unchanged) or writes a consistent service', async () => {
    await fc.assert(
      fc.asyncProperty(serviceInput, async (input) => {
        counts.tried++;
        const { tree, before, error } = await run(input);
        if (error !== undefined) {
          counts.rejected++;
          expectCleanRejection(error, before, tree, NAMES_A_FIELD);
        } else {
          counts.accepted++;
          expectConsistentService(input, tree);
        }
      }),
      { seed: SEED, numRuns: 600 },
    );
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(100);
  });
});

describe('accepted service inputs really build', () => {
  // Go versions are drawn from releases the local toolchain covers (GOTOOLCHAIN=local, no download);
  // every other field comes from the hostile arbitraries above.
  const buildable = serviceInput.chain((input) =>
    fc.constantFrom<ServiceGeneratorSchema['goVersion']>(undefined, '1.25', '1.26', 1.26).map((goVersion) => ({ ...input, goVersion })),
  );

  it('go vet ./... and go test ./... pass in 3 generated services', async () => {
    const candidates = fc.sample(buildable, { seed: SEED, numRuns: 300 });
    const accepted: ServiceGeneratorSchema[] = [];
    for (const input of candidates) {
      if (accepted.length === 3) break;
      if ((await run(input)).error === undefined) accepted.push(input);
    }
    expect(accepted).toHaveLength(3);

    const env = { ...process.env, GOTOOLCHAIN: 'local' };
    for (const input of accepted) {
      buildCounts.tried++;
      let projectRoot = '';
      const root = await generateWorkspace(async (tree) => {
        await serviceGenerator(tree, input);
        projectRoot = tree.listChanges().find((change) => change.path.endsWith('/go.mod'))?.path.slice(0, -'/go.mod'.length) ?? '';
      }, 'org-go-prop-');
      try {
        const cwd = join(root, projectRoot);
        expect(existsSync(join(cwd, 'go.mod'))).toBe(true);
        for (const args of [['vet', './...'], ['test', '-count=1', './...']]) {
          try {
            execFileSync(GO, args, { cwd, env, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
          } catch (error) {
            const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
            throw new Error(`go ${args.join(' ')} failed for ${JSON.stringify(input)} in ${projectRoot}:\n${stdout}${stderr}`);
          }
        }
        buildCounts.built++;
        built.push(JSON.stringify(input));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });
});
