import { validateGoVersion, validateModulePath, validatePort, validateServiceName, validateWorkspacePath } from './validate';
import { deriveModulePath, originUrlFromGitConfig } from './module-path';

describe('service input validation', () => {
  it.each(['orders', 'order-api', 'a', 'svc2', 'a'.repeat(63)])('accepts the name %s', (name) => {
    expect(validateServiceName(name)).toBeUndefined();
  });
  it.each(['Orders', '2fast', 'order--api', 'order-', '-order', 'order.api', 'ordér', 'a'.repeat(64), ''])('rejects the name %j', (name) => {
    expect(validateServiceName(name)).toMatch(/e\.g\. "orders"/);
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
    [8080, true],
    [1, true],
    [65535, true],
    [0, false],
    [65536, false],
    [-1, false],
    [NaN, false],
    ['8080', false],
  ])('port %p valid=%p', (port, valid) => {
    expect(validatePort(port) === undefined).toBe(valid);
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
});

describe('deriveModulePath', () => {
  it.each([
    [{ gitRemote: 'git@github.com:Acme/Shop.git', projectRoot: 'apps/orders' }, 'github.com/acme/shop/apps/orders'],
    [{ gitRemote: 'https://token:x@gitlab.example.org/team/mono.git', projectRoot: 'apps/a' }, 'gitlab.example.org/team/mono/apps/a'],
    [{ workspaceName: '@acme/source', projectRoot: 'apps/orders' }, 'example.com/acme/apps/orders'],
    [{ workspaceName: 'My Workspace', projectRoot: 'apps/orders' }, 'example.com/my-workspace/apps/orders'],
    [{ projectRoot: 'apps/orders' }, 'example.com/workspace/apps/orders'],
  ])('%j → %s', (input, expected) => {
    expect(deriveModulePath(input)).toBe(expected);
  });
  it('reads the origin url from .git/config', () => {
    const config = '[remote "upstream"]\n\turl = https://a/b\n[remote "origin"]\n\turl = git@github.com:acme/shop.git\n\tfetch = +refs/heads/*\n';
    expect(originUrlFromGitConfig(config)).toBe('git@github.com:acme/shop.git');
    expect(originUrlFromGitConfig('[core]\n')).toBeUndefined();
  });
});
