import { logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import fc from 'fast-check';
import { parse } from 'yaml';
import { serviceGenerator } from '../generators/service/service';
import { setKustomizeImage, yamlString } from './kustomization';

const NEW = { name: 'orders', newName: 'registry.example.com/shop/orders', newTag: '0.3.0-dev.4' };

/** The kustomization.yaml the service generator writes with --k8s. */
async function generatedKustomization(): Promise<string> {
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  const tree = createTreeWithEmptyWorkspace();
  await serviceGenerator(tree, { name: 'orders', k8s: true, goVersion: '1.26' });
  return tree.read('apps/orders/deploy/k8s/kustomization.yaml', 'utf-8') as string;
}

describe('setKustomizeImage', () => {
  afterEach(() => jest.restoreAllMocks());

  it("updates the service generator's kustomization in place: newName and newTag change, nothing else", async () => {
    const before = await generatedKustomization();
    const edit = setKustomizeImage(before, NEW);
    expect(edit).toMatchObject({ changed: true, entry: 'updated' });
    const changedLines = edit.content.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changedLines).toEqual(['    newName: registry.example.com/shop/orders', '    newTag: 0.3.0-dev.4']);
    expect(parse(edit.content)).toEqual({ ...parse(before), images: [{ name: 'orders', newName: NEW.newName, newTag: NEW.newTag }] });
    expect(edit.content).toContain('# Point the Deployment at a registry and tag, e.g.:');
    expect(setKustomizeImage(edit.content, NEW)).toEqual({ content: edit.content, changed: false, entry: 'updated' });
  });

  it('adds a digest when given and removes a stale one when not (kustomize would prefer it to the tag)', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const pinned = setKustomizeImage(await generatedKustomization(), { ...NEW, digest });
    expect(parse(pinned.content).images).toEqual([{ name: 'orders', newName: NEW.newName, newTag: NEW.newTag, digest }]);
    const unpinned = setKustomizeImage(pinned.content, { ...NEW, newTag: '0.3.0' });
    expect(parse(unpinned.content).images).toEqual([{ name: 'orders', newName: NEW.newName, newTag: '0.3.0' }]);
  });

  it('matches an entry by any of the names given, keeps comments, quotes and other entries', () => {
    const before = [
      'resources:',
      '  - deployment.yaml',
      'images:',
      '  # the API',
      '  - name: "api"',
      '    newTag: "1.0" # pinned by CD',
      '  - newName: ghcr.io/acme/orders # moved',
      '    name: orders',
      '    newTag: old',
      'labels:',
      '  - pairs:',
      '      team: shop',
      '',
    ].join('\n');
    const edit = setKustomizeImage(before, { name: 'x', newName: 'registry.example.com/orders', newTag: '1.4' }, ['x', 'orders']);
    expect(edit.content.split('\n')).toEqual([
      'resources:',
      '  - deployment.yaml',
      'images:',
      '  # the API',
      '  - name: "api"',
      '    newTag: "1.0" # pinned by CD',
      '  - newName: registry.example.com/orders # moved',
      '    name: orders',
      '    newTag: "1.4"',
      'labels:',
      '  - pairs:',
      '      team: shop',
      '',
    ]);
    expect(parse(edit.content).images[1]).toEqual({ name: 'orders', newName: 'registry.example.com/orders', newTag: '1.4' });
  });

  it('appends an entry when none matches, and the images list when there is none', () => {
    const list = setKustomizeImage('images:\n- name: other\n  newTag: a\nresources:\n- d.yaml\n', NEW);
    expect(list.entry).toBe('added');
    expect(parse(list.content)).toEqual({ images: [{ name: 'other', newTag: 'a' }, NEW], resources: ['d.yaml'] });
    expect(list.content).toContain('- name: orders\n  newName: registry.example.com/shop/orders\n');
    const none = setKustomizeImage('resources:\n  - d.yaml', NEW);
    expect(parse(none.content)).toEqual({ resources: ['d.yaml'], images: [NEW] });
    expect(parse(setKustomizeImage('images: [] # none yet\n', NEW).content)).toEqual({ images: [NEW] });
    expect(parse(setKustomizeImage('images:\n', NEW).content)).toEqual({ images: [NEW] });
  });

  it('keeps CRLF line ends', () => {
    const edit = setKustomizeImage('images:\r\n  - name: orders\r\n    newTag: a\r\n', NEW);
    expect(edit.content).toBe('images:\r\n  - name: orders\r\n    newTag: 0.3.0-dev.4\r\n    newName: registry.example.com/shop/orders\r\n');
  });

  it('refuses a flow-style list it cannot edit safely', () => {
    expect(() => setKustomizeImage('images: [{name: orders, newTag: a}]\n', NEW, ['orders'], 'apps/orders/deploy/k8s/kustomization.yaml')).toThrow(
      'apps/orders/deploy/k8s/kustomization.yaml: "images:" is written in flow style',
    );
  });

  it('any Docker tag reads back as the same string', () => {
    const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/);
    fc.assert(
      fc.property(tag, (newTag) => {
        const edit = setKustomizeImage('images:\n  - name: orders\n    newTag: latest\n', { ...NEW, newTag });
        return parse(edit.content).images[0].newTag === newTag;
      }),
      { numRuns: 500 },
    );
    for (const special of ['1', '1.4', '1e3', 'true', 'NO', 'null', '0x1F', '.inf', '1_000']) expect(parse(`v: ${yamlString(special)}`).v).toBe(special);
  });
});
