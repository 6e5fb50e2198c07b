import { formatBytes } from './format';
import { addGoWorkUse, createGoWork, listGoWorkUses } from './go-work';
import { toLanguageVersion } from './go-version';
import { toSourceUrl } from './git';

describe('go.work edits', () => {
  it('adds a first use line to a new go.work', () => {
    expect(addGoWorkUse(createGoWork('1.26'), 'apps/orders')).toBe('go 1.26\n\nuse ./apps/orders\n');
  });
  it('adds into an existing block, sorted, keeping the rest', () => {
    const work = '// workspace\ngo 1.26\n\nuse (\n\t./libs/money\n\t./apps/web // frontend api\n)\n\nreplace x => ./y\n';
    expect(addGoWorkUse(work, 'apps/orders')).toBe(
      '// workspace\ngo 1.26\n\nuse (\n\t./apps/orders\n\t./apps/web // frontend api\n\t./libs/money\n)\n\nreplace x => ./y\n',
    );
  });
  it('turns single-line uses into a block when a second module comes', () => {
    expect(addGoWorkUse('go 1.26\n\nuse ./apps/orders\n', 'apps/billing')).toBe('go 1.26\n\nuse (\n\t./apps/billing\n\t./apps/orders\n)\n');
    expect(addGoWorkUse('go 1.26\nuse ./b\n\nuse ./a // first\ntoolchain go1.26.1\n', 'c')).toBe(
      'go 1.26\nuse (\n\t./a // first\n\t./b\n\t./c\n)\n\ntoolchain go1.26.1\n',
    );
  });
  it('is a no-op when the module is listed in either form', () => {
    expect(addGoWorkUse('go 1.26\n\nuse ./apps/orders\n', './apps/orders/')).toBe('go 1.26\n\nuse ./apps/orders\n');
    expect(addGoWorkUse('go 1.26\nuse (\n\t"./apps/orders"\n)\n', 'apps/orders')).toBe('go 1.26\nuse (\n\t"./apps/orders"\n)\n');
  });
  it('lists uses of both forms', () => {
    expect(listGoWorkUses('go 1.26\nuse ./a\nuse (\n\t./b // c\n\t"./d"\n)\n')).toEqual(['./b', './d', './a']);
  });
});

describe('toLanguageVersion', () => {
  it.each([
    ['go1.26.8', '1.26'],
    ['go1.26', '1.26'],
    ['1.22.1\n', '1.22'],
    ['devel go1.27-abc', undefined],
  ])('%s → %s', (input, expected) => {
    expect(toLanguageVersion(input)).toBe(expected);
  });
});

describe('toSourceUrl', () => {
  it.each([
    ['git@github.com:acme/shop.git', 'https://github.com/acme/shop'],
    ['https://user:secret@gitlab.com/team/mono.git', 'https://gitlab.com/team/mono'],
    ['ssh://git@git.example.org:2222/team/mono.git', 'https://git.example.org/team/mono'],
    ['file:///srv/repo.git', undefined],
    ['not a url', undefined],
  ])('%s → %s', (remote, expected) => {
    expect(toSourceUrl(remote)).toBe(expected);
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [6_898_239, '6.9 MB'],
    [1_500, '1.5 kB'],
    [281_000_000, '281.0 MB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
