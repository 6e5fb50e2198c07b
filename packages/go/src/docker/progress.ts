import { DockerError } from './errors';

/** One JSON message of the engine's build or push progress stream. */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/**
 * Reads a newline-delimited JSON progress stream to its end, calling `onEvent` for each message.
 * Rejects on the first `error`/`errorDetail` message (the engine reports build and push failures
 * that way while the HTTP status is 200), on malformed JSON and on stream errors.
 */
export function followProgress(
  stream: NodeJS.ReadableStream,
  onEvent: (event: ProgressEvent) => void = () => undefined,
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ProgressEvent[] = [];
    let buffered = '';
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const handleLine = (line: string) => {
      if (settled || line.trim() === '') return;
      let event: ProgressEvent;
      try {
        event = JSON.parse(line) as ProgressEvent;
      } catch {
        fail(new DockerError(`The Docker engine sent an unreadable progress message: ${line.slice(0, 200)}`, 'engine'));
        return;
      }
      events.push(event);
      if (event.errorDetail || event.error) {
        const message = event.errorDetail?.message ?? event.error ?? 'unknown error';
        fail(new DockerError(message.trim(), 'build', event.errorDetail?.code));
        return;
      }
      onEvent(event);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        handleLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    });
    stream.on('error', (err: Error) => fail(err));
    stream.on('end', () => {
      handleLine(buffered);
      if (!settled) {
        settled = true;
        resolve(events);
      }
    });
  });
}
