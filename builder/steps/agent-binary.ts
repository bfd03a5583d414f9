import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AgentError } from '../errors.js';
import { formatDuration, type Logger } from '../log/logger.js';
import { describeError, failureKind } from '../step-boundary.js';

/** Coder's name for a `uname -m` machine, as in `/bin/coder-linux-<arch>` (coder/coder `provisionersdk/scripts/bootstrap_linux.sh`). */
export function coderArch(machine: string): string | undefined {
  const m = machine.trim();
  if (m === 'x86_64' || m === 'amd64') return 'amd64';
  if (m === 'aarch64' || m === 'arm64') return 'arm64';
  if (m.startsWith('armv7') || m === 'armhf') return 'armv7';
  return undefined;
}

/** `${agentUrl}/bin/coder-linux-<arch>`, whether or not the URL ends in a slash. */
export function agentBinaryUrl(agentUrl: string, arch: string): string {
  return new URL(`bin/coder-linux-${arch}`, agentUrl.endsWith('/') ? agentUrl : `${agentUrl}/`).toString();
}

/** How long the whole download may take, all attempts together. */
export const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * Download the Coder agent binary to a private temporary file (mode 0755),
 * for dev containers without curl, wget or busybox. Bounded as a whole: 3
 * attempts within `timeoutMs`; `signal` (SIGTERM) ends it at once.
 * @returns the file (`<dir>/coder`), its private folder and a function removing both
 */
export async function downloadAgentBinary(log: Logger, url: string, signal?: AbortSignal, timeoutMs = DOWNLOAD_TIMEOUT_MS): Promise<{ dir: string; file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'coder-agent-'));
  const file = path.join(dir, 'coder');
  const remove = () => rm(dir, { recursive: true, force: true });
  const timeout = AbortSignal.timeout(timeoutMs);
  const bounded = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { signal: bounded });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(file, { mode: 0o755 }), { signal: bounded });
      await chmod(file, 0o755);
      // The folder is copied into the dev container as the binary's folder
      // on PATH: every user there must be able to enter it.
      await chmod(dir, 0o755);
      log.info(`Downloaded the Coder agent from ${url}`);
      return { dir, file, remove };
    } catch (error) {
      lastError = error;
      if (bounded.aborted) break;
      log.warn(`Downloading the Coder agent from ${url} failed (attempt ${attempt} of 3): ${describeError(error)}`);
      if (attempt < 3) await sleep(2000 * attempt, undefined, { signal: bounded }).catch(() => undefined);
    }
  }
  await remove();
  const why = signal?.aborted ? 'cancelled: the builder is shutting down' : timeout.aborted ? `not done within ${formatDuration(timeoutMs)}` : describeError(lastError);
  throw new AgentError(`Could not download the Coder agent from ${url}: ${why}`, { cause: lastError, kind: signal?.aborted ? 'cancelled' : timeout.aborted ? 'timeout' : failureKind(lastError) });
}
