import {
  BuildExpr,
  BuildExprSyntaxError,
  BuildTarget,
  evalBuildExpr,
  fileIncluded,
  formatBuildExpr,
  matchesFileName,
  parseBuildExpr,
  parsePlusBuildLines,
  platformTags,
} from './constraints';
import { scanGoFile } from './scan';

const linux: BuildTarget = { goos: 'linux', goarch: 'amd64', cgoEnabled: false, goVersion: '1.26' };
const linuxCgo: BuildTarget = { ...linux, cgoEnabled: true };
const windows: BuildTarget = { goos: 'windows', goarch: 'amd64', cgoEnabled: false, goVersion: '1.26' };
const darwinArm: BuildTarget = { goos: 'darwin', goarch: 'arm64', cgoEnabled: true, goVersion: '1.26' };

const evalWith = (expr: string, tags: string[]): boolean => {
  const set = new Set(tags);
  return evalBuildExpr(parseBuildExpr(expr), (t) => set.has(t));
};

describe('parseBuildExpr: structure and precedence', () => {
  it.each<[string, string]>([
    ['linux', 'linux'],
    ['!linux', '!linux'],
    ['a && b || c', '(a && b) || c'],
    ['a || b && c', 'a || (b && c)'],
    ['a || b && c || d', 'a || (b && c) || d'],
    ['!a && b', '!a && b'],
    ['!(a && b)', '!(a && b)'],
    ['(a || b) && c', '(a || b) && c'],
    ['((a))', 'a'],
    ['a&&b||!c', '(a && b) || !c'],
    ['  linux\t&&\tamd64  ', 'linux && amd64'],
    ['go1.21 && amd64.v2 && x_y', 'go1.21 && amd64.v2 && x_y'],
    ['ñ || 日本', 'ñ || 日本'],
  ])('%s parses as %s', (expr, canonical) => {
    const x = parseBuildExpr(expr);
    // Parenthesize every binary node to make the tree shape visible.
    const show = (e: BuildExpr): string =>
      e.kind === 'tag' ? e.tag : e.kind === 'not' ? `!${show(e.x)}` : `(${show(e.x)} ${e.kind === 'and' ? '&&' : '||'} ${show(e.y)})`;
    const reparsed = parseBuildExpr(canonical);
    expect(show(x)).toBe(show(reparsed));
  });

  it('allows a negated parenthesized negation', () => {
    const x = parseBuildExpr('!(!a)');
    expect(x).toEqual({ kind: 'not', x: { kind: 'not', x: { kind: 'tag', tag: 'a' } } });
    expect(formatBuildExpr(x)).toBe('!!a');
  });

  it('builds left-associative trees', () => {
    expect(parseBuildExpr('a && b && c')).toEqual({
      kind: 'and',
      x: { kind: 'and', x: { kind: 'tag', tag: 'a' }, y: { kind: 'tag', tag: 'b' } },
      y: { kind: 'tag', tag: 'c' },
    });
  });

  it.each<[string, string]>([
    ['a || b && !c || (d || e) && f', 'a || (b && !c) || ((d || e) && f)'],
    ['!(a || b)', '!(a || b)'],
    ['(a && b) && c', 'a && b && c'],
  ])('formatBuildExpr(%s) = %s', (expr, text) => {
    expect(formatBuildExpr(parseBuildExpr(expr))).toBe(text);
  });
});

describe('parseBuildExpr: evaluation', () => {
  it.each<[string, string[], boolean]>([
    ['linux', ['linux'], true],
    ['!linux', ['linux'], false],
    ['!linux', [], true],
    ['linux && amd64', ['linux', 'amd64'], true],
    ['linux && amd64', ['linux'], false],
    ['linux || darwin', ['darwin'], true],
    ['a || b && c', ['a'], true],
    ['a || b && c', ['b'], false],
    ['(a || b) && c', ['a'], false],
    ['(a || b) && c', ['b', 'c'], true],
    ['!a && b', ['b'], true],
    ['!(a && b)', ['a', 'b'], false],
    ['!(a && b)', ['a'], true],
    ['!a || !b', ['a', 'b'], false],
    ['!(!a)', ['a'], true],
    ['linux && (amd64 || arm64) && !windows', ['linux', 'arm64'], true],
    ['linux && (amd64 || arm64) && !windows', ['linux', 'arm64', 'windows'], false],
  ])('%s with [%s] → %s', (expr, tags, value) => {
    expect(evalWith(expr, tags)).toBe(value);
  });
});

describe('parseBuildExpr: errors', () => {
  it.each<[string, string]>([
    ['', 'unexpected end of expression'],
    ['linux &&', 'unexpected end of expression'],
    ['&& linux', 'unexpected token &&'],
    ['(linux', 'missing close paren'],
    ['(linux && ', 'missing close paren'],
    ['linux)', 'unexpected token )'],
    ['linux amd64', 'unexpected token amd64'],
    ['!!linux', 'double negation not allowed'],
    ['!', 'unexpected end of expression'],
    ['linux & amd64', 'invalid syntax at &'],
    ['linux | amd64', 'invalid syntax at |'],
    ['linux,amd64', 'invalid syntax at ,'],
    ['a-b', 'invalid syntax at -'],
    ['linux // comment', 'invalid syntax at /'],
    [Array(1001).fill('a').join(' && '), 'build expression too large'],
  ])('%j → %s', (expr, message) => {
    expect(() => parseBuildExpr(expr)).toThrow(BuildExprSyntaxError);
    expect(() => parseBuildExpr(expr)).toThrow(message);
  });

  it('reports the offset of the problem', () => {
    try {
      parseBuildExpr('linux && -x');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(BuildExprSyntaxError);
      expect((e as BuildExprSyntaxError).offset).toBe(9);
    }
  });
});

describe('parsePlusBuildLines', () => {
  it.each<[string[], string | undefined]>([
    [['linux'], 'linux'],
    [['linux darwin'], 'linux || darwin'],
    [['linux,amd64'], 'linux && amd64'],
    [['linux,amd64 darwin'], '(linux && amd64) || darwin'],
    [['linux,!arm'], 'linux && !arm'],
    [['!cgo'], '!cgo'],
    [['linux darwin', 'amd64'], '(linux || darwin) && amd64'],
    [['a', 'b', 'c'], 'a && b && c'],
    [['linux\tdarwin'], 'linux || darwin'],
    [[''], 'ignore'],
    [['!!linux'], 'ignore'],
    [['!'], 'ignore'],
    [['bad-tag'], 'ignore'],
    [['!bad-tag'], '!ignore'],
    [['a,,b'], 'a && ignore && b'],
    [[], undefined],
    [[Array(102).fill('a').join(' ')], undefined],
    [[Array(102).fill('a').join(' '), 'linux'], 'linux'],
  ])('%j → %s', (lines, canonical) => {
    const x = parsePlusBuildLines(lines);
    expect(x === undefined ? undefined : formatBuildExpr(x)).toBe(canonical);
  });

  it.each<[string[], string[], boolean]>([
    [['linux,amd64 darwin'], ['linux', 'amd64'], true],
    [['linux,amd64 darwin'], ['linux', 'arm64'], false],
    [['linux,amd64 darwin'], ['darwin'], true],
    [['!cgo', 'windows'], ['windows'], true],
    [['!cgo', 'windows'], ['windows', 'cgo'], false],
    [[''], ['linux'], false],
    [['!bad-tag'], [], true],
  ])('%j with [%s] → %s', (lines, tags, value) => {
    const set = new Set(tags);
    expect(evalBuildExpr(parsePlusBuildLines(lines) as BuildExpr, (t) => set.has(t))).toBe(value);
  });
});

describe('platformTags', () => {
  it('lists the tags of linux/amd64 without cgo', () => {
    const tags = platformTags({ goos: 'linux', goarch: 'amd64', cgoEnabled: false, goVersion: '1.26' });
    expect([...tags].filter((t) => !t.startsWith('go1.')).sort()).toEqual(['amd64', 'amd64.v1', 'gc', 'linux', 'unix']);
    expect([...tags].filter((t) => t.startsWith('go1.')).length).toBe(26);
  });

  it.each<[string, string, boolean]>([
    ['linux', 'unix', true],
    ['darwin', 'unix', true],
    ['freebsd', 'unix', true],
    ['android', 'unix', true],
    ['ios', 'unix', true],
    ['illumos', 'unix', true],
    ['solaris', 'unix', true],
    ['aix', 'unix', true],
    ['hurd', 'unix', true],
    ['windows', 'unix', false],
    ['plan9', 'unix', false],
    ['js', 'unix', false],
    ['wasip1', 'unix', false],
    ['zos', 'unix', false],
    ['android', 'linux', true],
    ['ios', 'darwin', true],
    ['illumos', 'solaris', true],
    ['linux', 'android', false],
    ['darwin', 'ios', false],
  ])('GOOS=%s: %s is %s', (goos, tag, set) => {
    expect(platformTags({ goos, goarch: 'arm64', cgoEnabled: false, goVersion: '1.26' }).has(tag)).toBe(set);
  });

  it.each<[string, string[]]>([
    ['amd64', ['amd64.v1']],
    ['arm64', ['arm64.v8.0']],
    ['arm', ['arm.5', 'arm.6', 'arm.7']],
    ['386', ['386.sse2']],
    ['wasm', ['wasm.satconv', 'wasm.signext']],
    ['riscv64', ['riscv64.rva20u64']],
    ['ppc64le', ['ppc64le.power8']],
    ['loong64', []],
  ])('GOARCH=%s has the default level tags %j', (goarch, levels) => {
    const tags = platformTags({ goos: 'linux', goarch, cgoEnabled: false, goVersion: '1.26' });
    expect([...tags].filter((t) => t.startsWith(`${goarch}.`)).sort()).toEqual(levels);
  });

  it.each<[Partial<BuildTarget>, string, boolean]>([
    [{ cgoEnabled: true }, 'cgo', true],
    [{ cgoEnabled: false }, 'cgo', false],
    [{ goVersion: '1.26' }, 'go1.1', true],
    [{ goVersion: '1.26' }, 'go1.21', true],
    [{ goVersion: '1.26' }, 'go1.26', true],
    [{ goVersion: '1.26' }, 'go1.27', false],
    [{ goVersion: '1.26' }, 'go1.99', false],
    [{ goVersion: 'go1.22.5' }, 'go1.22', true],
    [{ goVersion: '1.23rc1' }, 'go1.24', false],
    [{ extraTags: ['integration', 'goexperiment.boringcrypto'] }, 'integration', true],
    [{ extraTags: ['goexperiment.boringcrypto'] }, 'boringcrypto', true],
    [{}, 'ignore', false],
    [{}, 'gccgo', false],
  ])('%j: %s is %s', (overrides, tag, set) => {
    expect(platformTags({ ...linux, ...overrides }).has(tag)).toBe(set);
  });

  it('rejects a version it cannot read', () => {
    expect(() => platformTags({ ...linux, goVersion: 'devel' })).toThrow('unsupported Go version');
  });
});

describe('matchesFileName', () => {
  it.each<[string, string, string, boolean]>([
    ['foo.go', 'linux', 'amd64', true],
    ['foo_linux.go', 'linux', 'amd64', true],
    ['foo_linux.go', 'windows', 'amd64', false],
    ['foo_linux_amd64.go', 'linux', 'amd64', true],
    ['foo_linux_amd64.go', 'linux', 'arm64', false],
    ['foo_linux_amd64.go', 'darwin', 'amd64', false],
    ['foo_windows_test.go', 'windows', 'amd64', true],
    ['foo_windows_test.go', 'linux', 'amd64', false],
    ['foo_linux_arm64_test.go', 'linux', 'arm64', true],
    ['linux.go', 'windows', 'amd64', true],
    ['windows.go', 'linux', 'amd64', true],
    ['linux_test.go', 'windows', 'amd64', true],
    ['foo_bar.go', 'linux', 'amd64', true],
    ['foo_unix.go', 'windows', 'amd64', true],
    ['foo_amd64.go', 'linux', 'amd64', true],
    ['foo_amd64.go', 'linux', 'arm64', false],
    ['foo_arm64.go', 'darwin', 'arm64', true],
    ['zz_generated.go', 'linux', 'amd64', true],
    ['zz_generated_test.go', 'linux', 'amd64', true],
    ['foo_amd64_linux.go', 'linux', 'arm64', true],
    ['foo_amd64_linux.go', 'windows', 'amd64', false],
    ['x_linux_windows.go', 'linux', 'amd64', false],
    ['x_linux_windows.go', 'windows', 'amd64', true],
    ['foo_windows.pb.go', 'linux', 'amd64', false],
    ['foo.bar_windows.go', 'linux', 'amd64', true],
    ['test_linux.go', 'windows', 'amd64', false],
    ['foo_test_linux.go', 'windows', 'amd64', false],
    ['foo_linux.go', 'android', 'arm64', true],
    ['foo_android.go', 'linux', 'arm64', false],
    ['foo_darwin.go', 'ios', 'arm64', true],
    ['foo_solaris.go', 'illumos', 'amd64', true],
    ['foo_js_wasm.go', 'js', 'wasm', true],
    ['foo_wasip1_wasm.go', 'js', 'wasm', false],
    ['foo_nacl.go', 'linux', 'amd64', false],
    ['foo_amd64p32.go', 'linux', 'amd64', false],
    ['_foo.go', 'linux', 'amd64', false],
    ['.foo.go', 'linux', 'amd64', false],
    ['_linux.go', 'linux', 'amd64', false],
  ])('%s on %s/%s → %s', (name, goos, goarch, ok) => {
    expect(matchesFileName(name, goos, goarch)).toBe(ok);
  });
});

describe('fileIncluded', () => {
  it.each<[string, string, BuildTarget, boolean]>([
    ['plain file', 'package p\n', linux, true],
    ['file name suffix', 'package p\n', windows, true],
    ['//go:build linux', '//go:build linux\n\npackage p\n', linux, true],
    ['//go:build linux on windows', '//go:build linux\n\npackage p\n', windows, false],
    ['//go:build unix on linux', '//go:build unix\n\npackage p\n', linux, true],
    ['//go:build unix on darwin', '//go:build unix\n\npackage p\n', darwinArm, true],
    ['//go:build unix on windows', '//go:build unix\n\npackage p\n', windows, false],
    ['//go:build unix on plan9', '//go:build unix\n\npackage p\n', { ...linux, goos: 'plan9', goarch: '386' }, false],
    ['//go:build go1.21 on 1.26', '//go:build go1.21\n\npackage p\n', linux, true],
    ['//go:build go1.99 on 1.26', '//go:build go1.99\n\npackage p\n', linux, false],
    ['//go:build !go1.27', '//go:build go1.26 && !go1.27\n\npackage p\n', linux, true],
    ['//go:build ignore', '//go:build ignore\n\npackage main\n', linux, false],
    ['// +build ignore', '// +build ignore\n\npackage main\n', linux, false],
    ['//go:build !ignore', '//go:build !ignore\n\npackage p\n', linux, true],
    ['//go:build gc && amd64.v1', '//go:build gc && amd64.v1\n\npackage p\n', linux, true],
    ['//go:build amd64.v2', '//go:build amd64.v2\n\npackage p\n', linux, false],
    ['//go:build cgo without cgo', '//go:build cgo\n\npackage p\n', linux, false],
    ['//go:build cgo with cgo', '//go:build cgo\n\npackage p\n', linuxCgo, true],
    ['//go:build wins over +build', '//go:build linux\n// +build windows\n\npackage p\n', linux, true],
    ['//go:build wins over +build (other way)', '//go:build windows\n// +build linux\n\npackage p\n', linux, false],
    ['+build directly above package is ignored', '// +build ignore\npackage p\n', linux, true],
    ['+build lines are ANDed', '// +build linux darwin\n// +build arm64\n\npackage p\n', linux, false],
    ['+build lines are ANDed (match)', '// +build linux darwin\n// +build amd64\n\npackage p\n', linux, true],
    ['//go:build inside /* */ is ignored', '/*\n//go:build ignore\n*/\n\npackage p\n', linux, true],
    ['malformed //go:build excludes the file', '//go:build linux &&\n\npackage p\n', linux, false],
    ['two //go:build lines exclude the file', '//go:build linux\n//go:build amd64\n\npackage p\n', linux, false],
    ['import "C" without cgo', 'package p\n// #include <stdio.h>\nimport "C"\n', linux, false],
    ['import "C" with cgo', 'package p\n// #include <stdio.h>\nimport "C"\n', linuxCgo, true],
    ['package documentation', 'package documentation\n', linux, false],
    ['header syntax error is still part of the package', 'package p\nimport "a b"\n', linux, true],
    ['NUL in the header', '// \0\npackage p\n', linux, false],
    ['extra tag', '//go:build integration\n\npackage p\n', { ...linux, extraTags: ['integration'] }, true],
    ['extra tag missing', '//go:build integration\n\npackage p\n', linux, false],
  ])('%s', (_name, source, target, included) => {
    expect(fileIncluded('x.go', scanGoFile(source), target)).toBe(included);
  });

  it.each<[string, string, BuildTarget, boolean]>([
    ['foo_linux.go', 'package p\n', linux, true],
    ['foo_linux.go', 'package p\n', windows, false],
    ['foo_linux_amd64.go', 'package p\n', linux, true],
    ['foo_amd64.go', 'package p\n', { ...linux, goarch: 'arm64' }, false],
    ['foo_windows_test.go', 'package p\n', windows, true],
    ['foo_windows_test.go', 'package p\n', linux, false],
    ['linux.go', 'package p\n', windows, true],
    ['foo_bar.go', 'package p\n', linux, true],
    ['zz_generated.go', '// Code generated by x. DO NOT EDIT.\n\npackage p\n', linux, true],
    ['foo_linux.go', '//go:build ignore\n\npackage p\n', linux, false],
    ['foo_linux.go', 'package p\n', { ...windows, extraTags: ['linux'] }, true],
    ['foo_linux.go', 'package p\n', { ...linux, goos: 'android', goarch: 'arm64' }, true],
    ['_foo.go', 'package p\n', linux, false],
    ['.foo.go', 'package p\n', linux, false],
    ['foo.txt', 'package p\n', linux, false],
    ['cgo_test.go', 'package p\nimport "C"\n', linux, true],
  ])('%s %j', (name, source, target, included) => {
    expect(fileIncluded(name, scanGoFile(source), target)).toBe(included);
  });

  it('recomputes tags when the target changes', () => {
    const h = scanGoFile('//go:build linux\n\npackage p\n');
    expect(fileIncluded('a.go', h, linux)).toBe(true);
    expect(fileIncluded('a.go', h, windows)).toBe(false);
    expect(fileIncluded('a.go', h, { ...windows, extraTags: ['linux'] })).toBe(true);
    expect(fileIncluded('a.go', h, linux)).toBe(true);
  });
});
