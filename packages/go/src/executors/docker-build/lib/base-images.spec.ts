import { renderDockerfile } from '../../../dockerfile/render';
import { assertPinnedBases, dockerfileBaseImages } from './base-images';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('base images of a Dockerfile', () => {
  const generated = renderDockerfile({ name: 'orders', goVersion: '1.26', port: 8080, baseImage: 'distroless' });

  it('finds the external bases of the generated Dockerfile through its ARGs, skipping stages and scratch', () => {
    expect(dockerfileBaseImages(generated).map(({ reference, arg, pinned }) => ({ reference, arg, pinned }))).toEqual([
      { reference: 'golang:1.26-bookworm', arg: 'BUILDER_IMAGE', pinned: false },
      { reference: 'gcr.io/distroless/static-debian12:nonroot', arg: 'RUNTIME_IMAGE', pinned: false },
    ]);
    const scratch = renderDockerfile({ name: 'orders', goVersion: '1.26', port: 8080, baseImage: 'scratch' });
    expect(dockerfileBaseImages(scratch).map((base) => base.reference)).toEqual(['golang:1.26-bookworm']);
    expect(dockerfileBaseImages('FROM golang:1.26 AS build\nFROM build AS test\nFROM 0\nFROM scratch\n').map((base) => base.reference)).toEqual(['golang:1.26']);
  });

  it('applies build args, so a pinned override passes', () => {
    const args = { BUILDER_IMAGE: `golang:1.26-bookworm@${DIGEST}`, RUNTIME_IMAGE: `gcr.io/distroless/static-debian12:nonroot@${DIGEST}` };
    expect(assertPinnedBases(generated, 'apps/orders/Dockerfile', args).every((base) => base.pinned)).toBe(true);
  });

  it('refuses unpinned bases, naming each with its line and ARG, and how to pin', () => {
    let message = '';
    try {
      assertPinnedBases(generated, 'apps/orders/Dockerfile', { RUNTIME_IMAGE: `gcr.io/distroless/static-debian12:nonroot@${DIGEST}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^requirePinnedBase is on, and these base images are not pinned by digest:\n  golang:1\.26-bookworm \(apps\/orders\/Dockerfile:\d+, ARG BUILDER_IMAGE\)\n/);
    expect(message).not.toContain('distroless');
    expect(message).toContain('--pinImages');
    expect(message).toContain('buildArgs BUILDER_IMAGE=golang:1.26-bookworm@sha256:<digest>');
    expect(() => assertPinnedBases('FROM golang:1.26@sha256:abc\n', 'Dockerfile')).toThrow(/golang:1\.26@sha256:abc \(Dockerfile:1\)/); // a short digest is no pin
  });
});
