/**
 * Property-based tests of the library generator over hostile input (issue 8, "Bad input"): every
 * run either throws an Error that names the field and gives a valid example, leaving the tree
 * byte-for-byte unchanged, or writes a consistent Go module. The seed is fixed so CI failures reproduce.
 */
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import fc from 'fast-check';
import { SEED, expectCleanRejection, expectNewModule, field, longSegment, nasty, prototypeKeys, validDir, validName } from '../../testing/arbitraries';
import { snapshotTree } from '../../testing/tree';
import { libraryGenerator } from './library';
import type { LibraryGeneratorSchema } from './schema';

const libraryInput = fc.record(
  {
    name: field(fc.oneof(validName, fc.tuple(validDir, validName).map(([dir, name]) => `${dir}/${name}`)), fc.oneof(prototypeKeys, nasty)),
    module: field(fc.stringMatching(/^[a-z][a-z0-9]{0,8}\.(com|io)(\/[A-Za-z0-9._~-]{1,10}){0,3}$/), nasty),
    goVersion: field(
      fc.constantFrom<string | number>('1.26', '1.25.3', '1.20', 1.26, 1.25, '1.21.0'),
      fc.oneof(fc.constantFrom<string | number>(1.2, '1.999', '1.026', '1.20.01', '2.0', 'go1.26', '1.26rc1'), fc.stringMatching(/^1\.\d{1,3}(\.\d{1,3})?$/), fc.double(), nasty),
    ),
    directory: field(validDir, fc.oneof(prototypeKeys, longSegment, nasty)),
    packageName: field(
      fc.stringMatching(/^[a-z][a-z0-9]{0,12}$/),
      fc.oneof(fc.constantFrom('main', 'func', 'go', 'type', 'Money', 'order_utils', 'order-utils', '2fa'), prototypeKeys, nasty),
    ),
  },
  { requiredKeys: ['name'] },
) as fc.Arbitrary<LibraryGeneratorSchema>;

/** The error names the field (or quotes the bad value) and gives a valid example. */
const NAMES_A_FIELD = /Invalid (library name|library path|library folder|directory|Go version|Go module path|packageName|Go package name)\b|already exists/;

const GO_KEYWORDS = new Set(['break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto',
  'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var']);

/** The new module's files are where and what the options say. */
function expectConsistentLibrary(input: LibraryGeneratorSchema, tree: Tree): void {
  const { projectRoot, name, goMod } = expectNewModule(input, tree);
  expect(/^go (\S+)$/m.exec(goMod)?.[1]).toMatch(/^1\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/);

  const packageName = input.packageName?.trim() || name.replace(/-/g, '');
  expect(packageName).toMatch(/^[a-z][a-z0-9]*$/);
  expect(GO_KEYWORDS.has(packageName) || packageName === 'main').toBe(false);
  expect(tree.read(`${projectRoot}/${packageName}.go`, 'utf-8')).toMatch(new RegExp(`^package ${packageName}$`, 'm'));
}

const counts = { tried: 0, rejected: 0, accepted: 0 };
const started = Date.now();

afterAll(() => {
  console.log(
    `library generator property (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s): ` +
      `inputs tried ${counts.tried}, rejected ${counts.rejected}, accepted ${counts.accepted}`,
  );
});

describe('library generator under arbitrary input', () => {
  it('rejects cleanly (field named, example given, tree unchanged) or writes a consistent module', async () => {
    await fc.assert(
      fc.asyncProperty(libraryInput, async (input) => {
        counts.tried++;
        const tree = createTreeWithEmptyWorkspace();
        const before = snapshotTree(tree);
        let error: unknown;
        try {
          await libraryGenerator(tree, input);
        } catch (caught) {
          error = caught;
        }
        if (error !== undefined) {
          counts.rejected++;
          expectCleanRejection(error, before, tree, NAMES_A_FIELD);
        } else {
          counts.accepted++;
          expectConsistentLibrary(input, tree);
        }
      }),
      { seed: SEED, numRuns: 600 },
    );
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(100);
  });
});
