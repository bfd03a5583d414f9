import { createServer } from 'node:net';
import { afterEach } from 'vitest';
import type { CoderRetryOptions } from '../../../builder/log/coder-api.js';
import type { LogLevel, LogLine } from '../../../builder/log/log-line.js';

/** Short backoffs so retry tests take milliseconds, not minutes. */
export const FAST_RETRY: CoderRetryOptions = {
  retries: 2,
  minTimeoutMs: 5,
  maxTimeoutMs: 20,
  unauthorizedForMs: 3_000,
  requestTimeoutMs: 2_000,
};

const cleanups: (() => unknown)[] = [];

/** Register a cleanup; all run in reverse order after each test. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Poll `condition` every 10 ms, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function line(text: string, level: LogLevel = 'info'): LogLine {
  return { time: new Date(), level, text };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
