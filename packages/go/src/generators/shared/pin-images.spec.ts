import { renderDockerfile } from '../../dockerfile/render';
import { digestFor, imageArgs, repositoryOf, withImageArgs } from './pin-images';

const D = `sha256:${'12'.repeat(32)}`;

describe('pinning the generated Dockerfile\'s images', () => {
  it('reads and replaces the image ARGs of the generated Dockerfile', () => {
    const text = renderDockerfile({ name: 'orders', goVersion: '1.26', port: 8080, baseImage: 'distroless' });
    expect(imageArgs(text)).toEqual({ BUILDER_IMAGE: 'golang:1.26-bookworm', RUNTIME_IMAGE: 'gcr.io/distroless/static-debian12:nonroot' });
    const pinned = withImageArgs(text, { BUILDER_IMAGE: `golang:1.26-bookworm@${D}` });
    expect(imageArgs(pinned)).toEqual({ BUILDER_IMAGE: `golang:1.26-bookworm@${D}`, RUNTIME_IMAGE: 'gcr.io/distroless/static-debian12:nonroot' });
    expect(pinned.split('\n').length).toBe(text.split('\n').length);
  });

  it('matches a digest only from the image\'s own repository', () => {
    expect(repositoryOf('golang:1.26-bookworm')).toBe('docker.io/library/golang');
    expect(repositoryOf('gcr.io/distroless/static-debian12:nonroot')).toBe('gcr.io/distroless/static-debian12');
    expect(repositoryOf('127.0.0.1:5000/library/golang:1.26')).toBe('127.0.0.1:5000/library/golang');
    expect(digestFor('golang:1.26-bookworm', [`127.0.0.1:5000/library/golang@${D}`])).toBeUndefined();
    expect(digestFor('golang:1.26-bookworm', [`golang@${D}`])).toBe(D);
    expect(digestFor('127.0.0.1:5000/library/golang:1.26', [`golang@sha256:00`, `127.0.0.1:5000/library/golang@${D}`])).toBe(D);
  });
});
