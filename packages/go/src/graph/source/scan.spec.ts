import { GoFileHeader, MULTIPLE_GO_BUILD_ERROR, NUL_ERROR, isValidImportPath, scanGoFile } from './scan';

type Expected = Partial<Omit<GoFileHeader, 'imports'>> & { imports?: Array<string | [string, string?, number?]> };

/** Compares the fields given in `expected`; imports as paths or [path, name, line] tuples. */
function expectHeader(source: string, expected: Expected): GoFileHeader {
  const h = scanGoFile(source);
  const { imports, ...rest } = expected;
  for (const [key, value] of Object.entries(rest)) expect([key, h[key as keyof GoFileHeader]]).toEqual([key, value]);
  if (!('error' in expected)) expect(h.error).toBeUndefined();
  if (!('packageName' in expected) && !('error' in expected)) expect(h.packageName).toBe('p');
  if (imports) {
    const got = h.imports.map((i, k) => {
      const want = imports[k];
      if (typeof want === 'string') return i.path;
      const t: [string, string?, number?] = [i.path, i.name];
      if (want && want.length > 2) t.push(i.line);
      return t;
    });
    expect(got).toEqual(imports);
  }
  return h;
}

describe('scanGoFile: package clause and imports', () => {
  it.each<[string, string, Expected]>([
    ['single import', 'package p\n\nimport "fmt"\n', { imports: ['fmt'] }],
    ['grouped imports', 'package p\n\nimport (\n\t"fmt"\n\t"os"\n\n\t"example.com/x/y"\n)\n', { imports: ['fmt', 'os', 'example.com/x/y'] }],
    [
      'several import declarations',
      'package p\nimport "fmt"\nimport (\n\t"os"\n)\nimport "io"\n\nfunc f() {}\n',
      { imports: ['fmt', 'os', 'io'] },
    ],
    [
      'named, blank and dot imports',
      'package p\nimport (\n\tf "fmt"\n\t_ "embed"\n\t. "strings"\n\t"os"\n)\n',
      { imports: [['fmt', 'f'], ['embed', '_'], ['strings', '.'], ['os', undefined]] },
    ],
    ['unicode package name and alias', 'package π\nimport ñ "fmt"\n', { packageName: 'π', imports: [['fmt', 'ñ']] }],
    [
      'explicit semicolons on one line',
      'package p; import "fmt"; import ("os"; "io"); import . "strings"\n',
      { imports: ['fmt', 'os', 'io', 'strings'] },
    ],
    ['trailing semicolon inside a group', 'package p\nimport ( "fmt"; "os"; )\n', { imports: ['fmt', 'os'] }],
    ['empty import groups', 'package p\nimport ()\nimport (\n)\nimport "fmt"\n', { imports: ['fmt'] }],
    ['import keyword glued to the path', 'package p;import"fmt";import("os")\n', { imports: ['fmt', 'os'] }],
    ['dot name on the line before the path', 'package p\nimport .\n"fmt"\n', { imports: [['fmt', '.', 2]] }],
    [
      'line and block comments between every token',
      '/* lead */ // x\npackage /* c */ p // x\n/* a */ import /* b */ ( // c\n /* d */ "fmt" /* e */ ; // f\n x /* g */ "os"\n /* h */ ) /* i */ ; /* j\n */ import "io" // k\n',
      { imports: ['fmt', ['os', 'x'], 'io'] },
    ],
    ['a block comment spanning lines ends a declaration', 'package p\nimport "fmt" /*\n*/ import "os"\n', { imports: ['fmt', 'os'] }],
    ['a one-line block comment before a semicolon', 'package p\nimport "fmt" /* x */; import "os"\n', { imports: ['fmt', 'os'] }],
    ['no final newline after a line comment', 'package p\nimport "fmt" // trailing', { imports: ['fmt'] }],
    ['only a package clause', 'package p', { imports: [] }],
    ['only a package clause and newline', 'package p\n', { imports: [] }],
    ['package clause and a declaration', 'package p\n\nfunc main() {}\n', { imports: [] }],
  ])('%s', (_name, source, expected) => {
    expectHeader(source, expected);
  });
});

describe('scanGoFile: string literals as import paths', () => {
  it.each<[string, string, string]>([
    ['hex escape', '"\\x66mt"', 'fmt'],
    ['\\x41', '"example.com/\\x41"', 'example.com/A'],
    ['\\u00e9', '"caf\\u00e9/x"', 'café/x'],
    ['\\U escape', '"\\U00000069o"', 'io'],
    ['octal escape', '"\\146lag"', 'flag'],
    ['multi-byte UTF-8 from hex escapes', '"caf\\xc3\\xa9"', 'café'],
    ['astral character', '"x/\u{1F600}"', 'x/\u{1F600}'],
    ['raw string', '`net/http`', 'net/http'],
    ['raw string drops carriage returns', '`f\rmt`', 'fmt'],
  ])('%s', (_name, literal, path) => {
    expectHeader(`package p\nimport ${literal}\n`, { imports: [path] });
  });

  it.each<[string, string, string]>([
    ['an escaped quote does not end the string (the path is then invalid)', '"a\\"b"', 'invalid import path: "a\\"b"'],
    ['an escaped backslash is one character (invalid in a path)', '"a\\\\b"', 'invalid import path: "a\\\\b"'],
    ['space in a path', '"a b"', 'invalid import path: "a b"'],
    ['empty path', '""', 'invalid import path: ""'],
    ['empty raw path', '``', 'invalid import path: ""'],
    ['byte escape that is not UTF-8', '"\\xe9"', 'invalid import path: "\uFFFD"'],
    ['unknown escape', '"o\\qs"', 'unknown escape sequence'],
    ['single quote escape is not allowed in "..."', '"o\\\'s"', 'unknown escape sequence'],
    ['short hex escape', '"\\x6"', 'illegal character in escape sequence'],
    ['surrogate code point', '"\\ud800"', 'escape sequence is invalid Unicode code point'],
    ['octal above 255', '"\\400"', 'escape sequence is invalid Unicode code point'],
    ['newline in an interpreted string', '"fmt\n"', 'string literal not terminated'],
    ['unterminated interpreted string', '"fmt', 'string literal not terminated'],
    ['unterminated raw string', '`fmt', 'raw string literal not terminated'],
    ['a number is not a path', '42', "expected import path, found '4'"],
  ])('%s', (_name, literal, error) => {
    const h = expectHeader(`package p\nimport "os"\nimport ${literal}\n`, { error });
    expect(h.imports.map((i) => i.path)).toEqual(['os']);
  });

  it.each<[string, boolean]>([
    ['fmt', true],
    ['example.com/a-b/c_d/v2', true],
    ['gopkg.in/yaml.v3', true],
    ['café/x', true],
    ['a+b@c~d', true],
    ['', false],
    ['a b', false],
    ['a\tb', false],
    ['a!b', false],
    ['a"b', false],
    ['a\\b', false],
    ['a`b', false],
    ['a:b', false],
    ['a\u00a0b', false],
    ['\uFFFD', false],
  ])('isValidImportPath(%j) is %s', (path, valid) => {
    expect(isValidImportPath(path)).toBe(valid);
  });
});

describe('scanGoFile: where the header ends', () => {
  it.each<[string, string, Expected]>([
    [
      'import and package words in later comments and strings',
      'package p\n\nimport "fmt"\n\nvar s = "import \\"net\\""\n/* import "bufio" */\n// import "bytes"\n// package q\nfunc f() { fmt.Println(s) }\n',
      { imports: ['fmt'] },
    ],
    [
      'first declaration is a var with import in a raw string',
      'package p\n\nvar s = `\nimport "errors"\npackage other\n`\n',
      { imports: [] },
    ],
    ['an import after a declaration is not part of the header', 'package p\nvar x = 1\nimport "fmt"\n', { imports: [] }],
    ['an identifier starting with import ends the header', 'package p\nimport "fmt"\nimports := 1\n', { imports: ['fmt'] }],
    ['an unterminated literal after the header is not read', 'package p\nimport "fmt"\n"unterminated\n', { imports: ['fmt'] }],
    ['a second semicolon ends the header (go/build reads no further)', 'package p\nimport "fmt";;\nimport "os"\n', { imports: ['fmt'] }],
    ['a declaration on the same line as the package clause', 'package p func f() {}\n', { imports: [] }],
    ['a NUL byte after the header is not read', 'package p\nimport "fmt"\nvar x = "\0"\n', { imports: ['fmt'] }],
  ])('%s', (_name, source, expected) => {
    expectHeader(source, expected);
  });
});

describe('scanGoFile: malformed headers', () => {
  it.each<[string, string, Expected]>([
    ['empty file', '', { error: "expected 'package', found EOF", imports: [] }],
    ['only comments', '// just a comment\n/* and this */\n', { error: "expected 'package', found EOF" }],
    ['no package clause', 'import "fmt"\n', { error: "expected 'package', found 'import'" }],
    ['keyword as package name', 'package func\n', { error: "expected package name, found 'func'" }],
    ['import on the package line without a semicolon', 'package p import "fmt"\n', { packageName: undefined, error: "expected ';', found 'import'" }],
    ['unterminated comment after the package clause', 'package p\n/* never closed\n', { packageName: undefined, error: 'comment not terminated' }],
    ['unterminated comment after the imports', 'package p\nimport "fmt"\n/* never\n', { packageName: 'p', imports: ['fmt'], error: 'comment not terminated' }],
    ['two paths in a group without a separator', 'package p\nimport ( "fmt" "os" )\n', { imports: ['fmt'], error: "expected ';' or ')', found string literal" }],
    ['double semicolon inside a group', 'package p\nimport ( "fmt";; "os" )\n', { imports: ['fmt'], error: "expected import path, found ';'" }],
    ['blank name separated from its path by a newline', 'package p\nimport _\n"fmt"\n', { imports: [], error: 'expected import path, found newline' }],
    ['keyword as import name', 'package p\nimport func "fmt"\n', { error: "expected import path, found 'func'" }],
    ['missing closing parenthesis', 'package p\nimport (\n"fmt"\n', { imports: ['fmt'], error: "expected import path, found EOF" }],
    ['an if right after an import without a separator', 'package p\nimport "fmt" if\n', { imports: ['fmt'], error: "expected ';', found 'if'" }],
    ['NUL byte in a header comment', '// nul \0 here\npackage p\nimport "fmt"\n', { imports: ['fmt'], error: NUL_ERROR }],
  ])('%s', (_name, source, expected) => {
    expectHeader(source, expected);
  });
});

describe('scanGoFile: encodings and line endings', () => {
  it('skips a leading UTF-8 byte order mark', () => {
    expectHeader('\ufeffpackage p\nimport "fmt"\n', { imports: [['fmt', undefined, 2]] });
  });

  it('reads a build constraint and generated marker after a byte order mark', () => {
    expectHeader('\ufeff// Code generated by x. DO NOT EDIT.\n//go:build linux\n\npackage p\n', {
      generated: true,
      buildConstraint: 'linux',
    });
  });

  it('handles CRLF line endings everywhere', () => {
    expectHeader(
      '// Code generated by crlf. DO NOT EDIT.\r\n//go:build linux\r\n\r\n// +build linux\r\n\r\npackage p\r\n\r\nimport (\r\n\t"fmt"\r\n\tx "os"\r\n)\r\n\r\nvar _ = fmt.Sprint\r\n',
      { generated: true, buildConstraint: 'linux', plusBuild: ['linux'], imports: [['fmt', undefined, 9], ['os', 'x', 10]] },
    );
  });

  it('numbers lines across block comments and raw strings', () => {
    expectHeader('/*\n\n*/\npackage p\nimport (\n\t`a\nb` ; "fmt" /*\n*/\n\tx /* c */ "os"\n)\n', {
      error: 'invalid import path: "a\\nb"',
      imports: [],
    });
    expectHeader('/*\n\n*/\npackage p\nimport (\n\t`fmt` /*\n\n*/\n\tx /* c */ "os"\n)\n', {
      imports: [['fmt', undefined, 6], ['os', 'x', 9]],
    });
  });
});

describe('scanGoFile: cgo', () => {
  it.each<[string, string, Expected]>([
    ['import "C" with a line-comment preamble', 'package p\n\n// #include <stdio.h>\n// #cgo LDFLAGS: -lm\nimport "C"\nimport "unsafe"\n', { importsC: true, imports: ['C', 'unsafe'] }],
    ['import "C" inside a group with a block preamble', 'package p\n\n/*\n#include <stdlib.h>\n*/\nimport (\n\t"C"\n\t"os"\n)\n', { importsC: true, imports: ['C', 'os'] }],
    ['no cgo', 'package p\nimport "c"\n', { importsC: false, imports: ['c'] }],
  ])('%s', (_name, source, expected) => {
    expectHeader(source, expected);
  });
});

describe('scanGoFile: generated-code marker', () => {
  it.each<[string, string, boolean]>([
    ['line comment before the package clause', '// Code generated by x. DO NOT EDIT.\n\npackage p\n', true],
    ['after other comments and a build line', '//go:build linux\n\n// Copyright\n// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage p\n', true],
    ['with CRLF', '// Code generated by x. DO NOT EDIT.\r\npackage p\n', true],
    ['as a line inside a block comment', '/*\n// Code generated by y. DO NOT EDIT.\n*/\npackage p\n', true],
    ['empty generator (two spaces)', '// Code generated  DO NOT EDIT.\npackage p\n', true],
    ['after a block comment on the same line', '/* x */ // Code generated by x. DO NOT EDIT.\npackage p\n', true],
    ['indented line comment', '  // Code generated by x. DO NOT EDIT.\npackage p\n', true],
    ['no space after //', '//Code generated by x. DO NOT EDIT.\npackage p\n', false],
    ['missing generator text', '// Code generated DO NOT EDIT.\npackage p\n', false],
    ['trailing space', '// Code generated by x. DO NOT EDIT. \npackage p\n', false],
    ['missing final period', '// Code generated by x. DO NOT EDIT\npackage p\n', false],
    ['after the package clause', 'package p // Code generated by z. DO NOT EDIT.\n', false],
    ['below the imports', 'package p\n\n// Code generated by x. DO NOT EDIT.\nimport "fmt"\n', false],
    ['zz_generated style header', '//go:build !ignore_autogenerated\n\n// Code generated by controller-gen. DO NOT EDIT.\n\npackage v1\n', true],
  ])('%s → %s', (_name, source, generated) => {
    expect(scanGoFile(source).generated).toBe(generated);
  });
});

describe('scanGoFile: build constraint lines', () => {
  it.each<[string, string, Pick<GoFileHeader, 'buildConstraint' | 'plusBuild'> & { error?: string }]>([
    ['//go:build before a blank line', '//go:build linux && amd64\n\npackage p\n', { buildConstraint: 'linux && amd64', plusBuild: [] }],
    ['//go:build directly above the package clause', '//go:build ignore\npackage p\n', { buildConstraint: 'ignore', plusBuild: [] }],
    ['//go:build after other line comments', '// Copyright\n\n//go:build windows\n// doc\npackage p\n', { buildConstraint: 'windows', plusBuild: [] }],
    ['//go:build with a tab', '//go:build\tlinux\n\npackage p\n', { buildConstraint: 'linux', plusBuild: [] }],
    ['//go:build with trailing space', '//go:build linux   \n\npackage p\n', { buildConstraint: 'linux', plusBuild: [] }],
    ['indented //go:build (go trims the line)', '   //go:build ignore\n\npackage p\n', { buildConstraint: 'ignore', plusBuild: [] }],
    ['//go:build with an empty expression', '//go:build\n\npackage p\n', { buildConstraint: '', plusBuild: [] }],
    ['//go:buildx is not a constraint', '//go:buildignore\n\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['// go:build (with a space) is not a constraint', '// go:build ignore\n\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['inside a block comment: ignored', '/*\n//go:build ignore\n*/\n\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['after a block comment has closed: honoured', '/* header */\n//go:build ignore\n\npackage p\n', { buildConstraint: 'ignore', plusBuild: [] }],
    ['on the line a block comment closes: ignored', '/* a\n*/ //go:build ignore\n\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['after the package clause: ignored', 'package p\n//go:build ignore\nimport "fmt"\n', { buildConstraint: undefined, plusBuild: [] }],
    ['two //go:build lines', '//go:build linux\n//go:build amd64\n\npackage p\n', { buildConstraint: 'linux', plusBuild: [], error: MULTIPLE_GO_BUILD_ERROR }],
    ['+build followed by a blank line', '// +build linux,amd64 darwin\n\npackage p\n', { buildConstraint: undefined, plusBuild: ['linux,amd64 darwin'] }],
    ['+build directly above the package clause: ignored', '// +build ignore\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['+build above a package doc comment', '// +build ignore\n\n// Package p.\npackage p\n', { buildConstraint: undefined, plusBuild: ['ignore'] }],
    ['+build inside the doc comment block: ignored', '// Copyright.\n\n// +build ignore\n// Package p.\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['several +build lines', '// +build linux darwin\n// +build amd64\n\npackage p\n', { buildConstraint: undefined, plusBuild: ['linux darwin', 'amd64'] }],
    ['//+build without a space and odd spacing', '//+build linux,!arm\n  //   +build   cgo  \n\npackage p\n', { buildConstraint: undefined, plusBuild: ['linux,!arm', 'cgo'] }],
    ['empty +build', '// +build\n\npackage p\n', { buildConstraint: undefined, plusBuild: [''] }],
    ['+buildx is not a constraint', '// +buildlinux\n\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['+build after a block comment: ignored', '/* x */\n// +build ignore\n\npackage p\n', { buildConstraint: undefined, plusBuild: [] }],
    ['both kinds', '//go:build linux\n// +build windows\n\npackage p\n', { buildConstraint: 'linux', plusBuild: ['windows'] }],
    ['CRLF after +build', '// +build windows\r\n\r\npackage p\r\n', { buildConstraint: undefined, plusBuild: ['windows'] }],
  ])('%s', (_name, source, expected) => {
    const h = scanGoFile(source);
    expect(h.buildConstraint).toBe(expected.buildConstraint);
    expect(h.plusBuild).toEqual(expected.plusBuild);
    expect(h.error).toBe(expected.error);
  });
});
