import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AgentError } from '../errors.js';
import type { Logger } from '../log/logger.js';

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

/**
 * Download the Coder agent binary to a private temporary file (mode 0755),
 * for dev containers without curl, wget or busybox. Bounded: 3 attempts,
 * 5 minutes each.
 * @returns the file (`<dir>/coder`), its private folder and a function removing both
 */
export async function downloadAgentBinary(log: Logger, url: string, signal?: AbortSignal): Promise<{ dir: string; file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'coder-agent-'));
  const file = path.join(dir, 'coder');
  const remove = () => rm(dir, { recursive: true, force: true });
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const timeout = AbortSignal.timeout(5 * 60_000);
      const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(file, { mode: 0o755 }));
      await chmod(file, 0o755);
      // The folder is copied into the dev container as the binary's folder
      // on PATH: every user there must be able to enter it.
      await chmod(dir, 0o755);
      log.info(`Downloaded the Coder agent from ${url}`);
      return { dir, file, remove };
    } catch (error) {
      lastError = error;
      if (signal?.aborted) break;
      log.warn(`Downloading the Coder agent from ${url} failed (attempt ${attempt} of 3): ${error instanceof Error ? error.message : String(error)}`);
      if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, 2000 * attempt));
    }
  }
  await remove();
  throw new AgentError(`Could not download the Coder agent from ${url}: ${lastError instanceof Error ? lastError.message : String(lastError)}`, { cause: lastError });
}
