import { isValidReference, resolveTags, sanitizeTagPart } from './tags';
import { createdTimestamp, ociBuildArgs, ociLabels } from './labels';

describe('resolveTags', () => {
  it('fills the default templates', () => {
    expect(resolveTags(['{projectName}:latest', '{projectName}:{gitSha}'], { projectName: 'orders', gitSha: 'abc1234' })).toEqual({
      tags: ['orders:latest', 'orders:abc1234'],
      skipped: [],
    });
  });
  it('skips a template whose placeholder has no value, saying which', () => {
    expect(resolveTags(['{projectName}:latest', '{projectName}:{gitSha}'], { projectName: 'orders' })).toEqual({
      tags: ['orders:latest'],
      skipped: [{ template: '{projectName}:{gitSha}', missing: 'gitSha' }],
    });
  });
  it('sanitizes branches and keeps registries with ports', () => {
    expect(
      resolveTags(['127.0.0.1:5055/team/{projectName}:{branch}', '{projectName}:{version}'], {
        projectName: 'orders',
        branch: 'Feature/Login#2',
        version: '1.2.3-rc.1',
      }).tags,
    ).toEqual(['127.0.0.1:5055/team/orders:feature-login-2', 'orders:1.2.3-rc.1']);
  });
  it('drops duplicates', () => {
    expect(resolveTags(['{projectName}:latest', 'orders:latest'], { projectName: 'orders' }).tags).toEqual(['orders:latest']);
  });
  it('rejects unknown placeholders and invalid references', () => {
    expect(() => resolveTags(['{projectName}:{tag}'], { projectName: 'orders' })).toThrow(/Unknown placeholder \{tag\}/);
    expect(() => resolveTags(['Orders:latest'], { projectName: 'orders' })).toThrow(/not a valid Docker image reference/);
    expect(() => resolveTags(['orders:-bad'], { projectName: 'orders' })).toThrow(/not a valid Docker image reference/);
  });
});

describe('isValidReference', () => {
  it.each([
    ['orders', true],
    ['orders:latest', true],
    ['team/orders:1.2.3', true],
    ['registry.example.com:5000/team/orders:sha-abc', true],
    ['localhost:5000/orders', true],
    ['my_org/order__api', true],
    ['Orders', false],
    ['orders:', false],
    ['orders:.x', false],
    ['orders//x', false],
    ['orders:' + 'a'.repeat(129), false],
    ['orders; rm -rf /', false],
  ])('%s → %p', (reference, valid) => {
    expect(isValidReference(reference)).toBe(valid);
  });
});

describe('sanitizeTagPart', () => {
  it.each([
    ['main', 'main'],
    ['feature/x', 'feature-x'],
    ['-.weird--', 'weird'],
    ['UPPER_case.1', 'upper_case.1'],
    ['a'.repeat(200), 'a'.repeat(128)],
  ])('%s → %s', (input, expected) => {
    expect(sanitizeTagPart(input)).toBe(expected);
  });
});

describe('OCI labels', () => {
  it('honours SOURCE_DATE_EPOCH', () => {
    expect(createdTimestamp({ SOURCE_DATE_EPOCH: '1700000000' })).toBe('2023-11-14T22:13:20.000Z');
    expect(createdTimestamp({}, new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05.000Z');
    expect(() => createdTimestamp({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH="yesterday"/);
  });
  it('leaves out unknown facts', () => {
    const input = { title: 'orders', version: 'dev', created: '2026-01-01T00:00:00.000Z' };
    expect(ociLabels(input)).toEqual({
      'org.opencontainers.image.title': 'orders',
      'org.opencontainers.image.version': 'dev',
      'org.opencontainers.image.created': '2026-01-01T00:00:00.000Z',
    });
    expect(ociBuildArgs({ ...input, revision: 'abc', source: 'https://github.com/acme/shop' })).toEqual({
      VERSION: 'dev',
      CREATED: '2026-01-01T00:00:00.000Z',
      REVISION: 'abc',
      SOURCE: 'https://github.com/acme/shop',
    });
  });
});
