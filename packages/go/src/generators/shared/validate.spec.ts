import { deriveModulePath, originUrlFromGitConfig } from './module-path';
import { goVersionText, isProjectName, validateGoVersion, validateModulePath, validateWorkspacePath } from './validate';

describe('shared input validation', () => {
  it.each([
    ['orders', true],
    ['order-api', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['Orders', false],
    ['order--api', false],
    ['order_api', false],
    ['', false],
  ])('project name %j valid=%p', (name, valid) => {
    expect(isProjectName(name)).toBe(valid);
  });
  it.each([
    ['apps/orders', undefined],
    ['./apps/orders', undefined],
    ['apps/../../x', /leaves the workspace/],
    ['C:/x', /relative/],
    ['apps/my dir', /folder name "my dir"/],
    ['apps/$(id)', /folder name/],
  ])('path %s', (path, expected) => {
    const result = validateWorkspacePath(path, 'path');
    if (expected) expect(result).toMatch(expected);
    else expect(result).toBeUndefined();
  });
  it.each([
    ['github.com/acme/shop/apps/orders', true],
    ['example.com/x', true],
    ['orders', true],
    ['gopkg.in/yaml.v3', true],
    ['github.com/acme/', false],
    ['/github.com/acme', false],
    ['github.com/acme/.hidden', false],
    ['github.com/a b', false],
    ['Example.com/x', false],
    ['-bad.com/x', false],
    ['', false],
  ])('module %s valid=%p', (modulePath, valid) => {
    expect(validateModulePath(modulePath) === undefined).toBe(valid);
  });
  it.each([
    ['1.26', true],
    ['1.26.3', true],
    ['1.9', true],
    ['go1.26', false],
    ['2.0', false],
    ['1', false],
    ['1.26rc1', false],
  ])('go version %s valid=%p', (version, valid) => {
    expect(validateGoVersion(version) === undefined).toBe(valid);
  });
  it.each([
    [1.26, '1.26', undefined],
    [1.3, '1.3', /reads --goVersion=1\.30 as the number 1\.3\. Give the patch release, e\.g\. --goVersion=1\.30\.0/],
    ['1.20', '1.20', undefined],
    [' 1.26 ', '1.26', undefined],
    [undefined, undefined, undefined],
  ])('go version option %p → %p', (value, text, error) => {
    expect(goVersionText(value)).toBe(text);
    const result = text === undefined ? undefined : validateGoVersion(text, typeof value === 'number');
    if (error) expect(result).toMatch(error);
    else expect(result).toBeUndefined();
  });
});

describe('deriveModulePath', () => {
  it.each([
    [{ gitRemote: 'git@github.com:Acme/Shop.git', projectRoot: 'apps/orders' }, 'github.com/acme/shop/apps/orders'],
    [{ gitRemote: 'https://token:x@gitlab.example.org/team/mono.git', projectRoot: 'apps/a' }, 'gitlab.example.org/team/mono/apps/a'],
    [{ workspaceName: '@acme/source', projectRoot: 'apps/orders' }, 'example.com/acme/apps/orders'],
    [{ workspaceName: 'My Workspace', projectRoot: 'apps/orders' }, 'example.com/my-workspace/apps/orders'],
    [{ projectRoot: 'apps/orders' }, 'example.com/workspace/apps/orders'],
    [{ workspaceName: 'shop', projectRoot: 'libs/money' }, 'example.com/shop/libs/money'],
  ])('%j → %s', (input, expected) => {
    expect(deriveModulePath(input)).toBe(expected);
  });
  it('reads the origin url from .git/config', () => {
    const config = '[remote "upstream"]\n\turl = https://a/b\n[remote "origin"]\n\turl = git@github.com:acme/shop.git\n\tfetch = +refs/heads/*\n';
    expect(originUrlFromGitConfig(config)).toBe('git@github.com:acme/shop.git');
    expect(originUrlFromGitConfig('[core]\n')).toBeUndefined();
  });
});
