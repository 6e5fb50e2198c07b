import { parseEnvFile, toEnvList } from './env';
import { pickContainerPort, serviceUrl, validatePortOption } from './ports';
import { waitUntilReady, type ContainerStatus } from './wait-healthy';

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines with comments, export and quotes', () => {
    const text = '# settings\n\nexport LOG_LEVEL=debug\nGREETING="hello world"\nSINGLE=\'a=b\'\nPLAIN=x # note\nEMPTY=\r\n';
    expect(parseEnvFile(text, '.env')).toEqual({ LOG_LEVEL: 'debug', GREETING: 'hello world', SINGLE: 'a=b', PLAIN: 'x', EMPTY: '' });
  });
  it('names the bad line', () => {
    expect(() => parseEnvFile('A=1\nnot a pair\n', 'apps/orders/.env')).toThrow(/apps\/orders\/.env:2 is not KEY=VALUE/);
  });
});

describe('toEnvList', () => {
  it('merges sources, later wins', () => {
    expect(toEnvList({ A: '1', B: '2' }, ['B=3', 'C=x=y'], undefined)).toEqual(['A=1', 'B=3', 'C=x=y']);
  });
  it('rejects entries without =', () => {
    expect(() => toEnvList(['NOPE'])).toThrow(/"NOPE" is not KEY=VALUE/);
  });
});

describe('ports', () => {
  it('picks the option, else the lowest exposed TCP port, else 8080', () => {
    expect(pickContainerPort({ '9090/tcp': {} }, 7000)).toBe(7000);
    expect(pickContainerPort({ '9090/tcp': {}, '53/udp': {}, '8081/tcp': {} })).toBe(8081);
    expect(pickContainerPort(undefined)).toBe(8080);
  });
  it('validates port options', () => {
    expect(() => validatePortOption(0, 'port', true)).not.toThrow();
    expect(() => validatePortOption(0, 'containerPort', false)).toThrow(/from 1 to 65535/);
    expect(() => validatePortOption(70000, 'port', true)).toThrow(/--port=8080/);
    expect(() => validatePortOption(undefined, 'port', true)).not.toThrow();
  });
  it('prints loopback URLs', () => {
    expect(serviceUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(serviceUrl('127.0.0.1', 1234)).toBe('http://127.0.0.1:1234');
    expect(serviceUrl('::1', 80)).toBe('http://[::1]:80');
  });
});

describe('waitUntilReady', () => {
  function fake(statuses: Array<ContainerStatus | undefined>, probeResults: boolean[] = []) {
    let clock = 0;
    return {
      status: async () => (statuses.length > 1 ? statuses.shift() : statuses[0]),
      probe: async () => probeResults.shift() ?? false,
      options: { timeoutMs: 2000, intervalMs: 500, now: () => clock, sleep: async (ms: number) => void (clock += ms) },
    };
  }
  it('waits through starting to healthy', async () => {
    const f = fake([{ running: true, health: 'starting' }, { running: true, health: 'starting' }, { running: true, health: 'healthy' }]);
    await expect(waitUntilReady(f.status, f.probe, f.options)).resolves.toEqual({ kind: 'ready', viaHealthcheck: true });
  });
  it('reports an unhealthy container', async () => {
    const f = fake([{ running: true, health: 'starting' }, { running: true, health: 'unhealthy' }]);
    await expect(waitUntilReady(f.status, f.probe, f.options)).resolves.toEqual({ kind: 'unhealthy' });
  });
  it('reports an exit with its code', async () => {
    const f = fake([{ running: false, exitCode: 2 }]);
    await expect(waitUntilReady(f.status, f.probe, f.options)).resolves.toEqual({ kind: 'exited', exitCode: 2 });
  });
  it('uses the port probe when the image has no HEALTHCHECK', async () => {
    const f = fake([{ running: true }], [false, false, true]);
    await expect(waitUntilReady(f.status, f.probe, f.options)).resolves.toEqual({ kind: 'ready', viaHealthcheck: false });
  });
  it('times out with the last health status', async () => {
    const f = fake([{ running: true, health: 'starting' }]);
    await expect(waitUntilReady(f.status, f.probe, f.options)).resolves.toEqual({ kind: 'timeout', lastHealth: 'starting' });
  });
});
