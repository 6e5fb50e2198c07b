import { logger } from '@nx/devkit';

/** Collects what an executor tells the user (logger and stdout) while a spec runs it. */
export function captureLogs() {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  const spies = [
    jest.spyOn(logger, 'info').mockImplementation(record),
    jest.spyOn(logger, 'warn').mockImplementation(record),
    jest.spyOn(logger, 'error').mockImplementation(record),
  ];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  return {
    text: () => lines.join('\n'),
    restore: () => [...spies, stdout].forEach((spy) => spy.mockRestore()),
  };
}

/** Runs an executor with its output captured; the output is returned with the result. */
export async function runCaptured<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const logs = captureLogs();
  try {
    const result = await run();
    return { result, output: logs.text() };
  } finally {
    logs.restore();
  }
}
