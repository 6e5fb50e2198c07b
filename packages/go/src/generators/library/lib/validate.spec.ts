import { importSpec } from './import-spec';
import { validateProjectFolder } from '../../shared/validate';
import { validateLibraryName, validatePackageName } from './validate';

describe('library input validation', () => {
  it.each(['money', 'order-utils', 'a', 'lib2', 'a'.repeat(63)])('accepts the name %s', (name) => {
    expect(validateLibraryName(name)).toBeUndefined();
  });
  it.each(['Money', '2fa', 'order--utils', 'order-', '-order', 'order.utils', 'order_utils', 'mönëy', 'a'.repeat(64), ''])(
    'rejects the name %j',
    (name) => {
      expect(validateLibraryName(name)).toMatch(/^Invalid library name .*e\.g\. "money" or "order-utils"\.$/);
    },
  );

  it.each([
    ['money', undefined],
    ['orderutils', undefined],
    ['v2', undefined],
    ['strings', undefined],
    ['Money', /lowercase letters and digits/],
    ['order_utils', /lowercase letters and digits/],
    ['order-utils', /lowercase letters and digits/],
    ['2fa', /starting with a letter/],
    ['', /lowercase letters and digits/],
    ['func', /"func" is a Go keyword/],
    ['fallthrough', /Go keyword/],
    ['main', /package main is a program/],
  ])('package name %j', (packageName, expected) => {
    const result = validatePackageName(packageName);
    if (expected) expect(result).toMatch(expected);
    else expect(result).toBeUndefined();
  });

  it('names the field the package name came from', () => {
    expect(validatePackageName('Money')).toMatch(/^Invalid packageName "Money"/);
    expect(validatePackageName('go', 'go')).toMatch(
      /^Invalid Go package name "go" \(the library name "go" without hyphens\): .* Set packageName, e\.g\. "money", or choose another library name\.$/,
    );
  });

  it.each([
    ['libs/money', undefined],
    ['libs/vendors', undefined],
    ['libs/vendor', /skips "vendor" folders/],
    ['node_modules/money', /skips "node_modules" folders/],
    ['tmp/money', /skips "tmp" folders/],
    ['libs/testdata/money', /skips "testdata" folders/],
  ])('folder %s', (projectRoot, expected) => {
    const result = validateProjectFolder(projectRoot, 'library', 'libs/money');
    if (expected) expect(result).toMatch(expected);
    else expect(result).toBeUndefined();
  });
});

describe('importSpec', () => {
  it.each([
    ['example.com/shop/libs/money', 'money', '"example.com/shop/libs/money"'],
    ['example.com/shop/libs/order-utils', 'orderutils', 'orderutils "example.com/shop/libs/order-utils"'],
    ['example.com/shop/libs/money/v2', 'money', '"example.com/shop/libs/money/v2"'],
    ['example.com/shop/libs/money', 'currency', 'currency "example.com/shop/libs/money"'],
    ['gopkg.in/yaml.v3', 'yaml', 'yaml "gopkg.in/yaml.v3"'],
    ['money', 'money', '"money"'],
    ['v2', 'v2', '"v2"'],
  ])('%s, package %s → %s', (path, packageName, expected) => {
    expect(importSpec(path, packageName)).toBe(expected);
  });
});
