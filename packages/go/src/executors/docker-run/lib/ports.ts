import { createServer } from 'node:net';

/** The container port: the option, else the first TCP port the image EXPOSEs, else 8080. */
export function pickContainerPort(exposed: Record<string, unknown> | undefined, option?: number): number {
  if (option !== undefined) return option;
  const tcp = Object.keys(exposed ?? {})
    .map((key) => key.match(/^(\d+)\/tcp$/)?.[1])
    .filter((port): port is string => port !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  return tcp[0] ?? 8080;
}

export function validatePortOption(value: number | undefined, option: string, allowZero: boolean): void {
  if (value === undefined) return;
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(value) || value < min || value > 65535) {
    throw new Error(`Option "${option}" must be a whole number from ${min} to 65535, got ${String(value)}. E.g. --${option}=8080.`);
  }
}

/** Asks the OS for a free TCP port on `host`. */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A URL for people: loopback and wildcard hosts print as 127.0.0.1. */
export function serviceUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
