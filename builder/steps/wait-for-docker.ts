import { setTimeout as sleep } from 'node:timers/promises';
import { DockerUnavailableError } from '../errors.js';
import { formatDuration, type Logger } from '../log/logger.js';
import { ProcessError } from '../process.js';
import { docker } from '../docker/client.js';

/** What `waitForDocker` needs. */
export interface WaitForDockerContext {
  readonly log: Logger;
  /** Passed to the Docker CLI as `DOCKER_HOST`. @default - the CLI's default, unix:///var/run/docker.sock */
  readonly dockerHost?: string;
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Pause between attempts. @default 1000 */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** The engine that answered. */
export interface DockerReady {
  readonly serverVersion: string;
  readonly waitedMs: number;
}

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';
// One `docker info` may hang on a half-started daemon; never wait longer than this per attempt.
const ATTEMPT_TIMEOUT_MS = 15_000;
// Say "still waiting" at most this often, so a slow sidecar does not flood the Coder log.
const PROGRESS_EVERY_MS = 10_000;

/**
 * Poll `docker info` until the engine answers: the DinD sidecar may still be
 * starting when the builder does. Bounded by `timeoutMs`; throws
 * `DockerUnavailableError` naming the socket and the CLI's last words.
 */
export async function waitForDocker(ctx: WaitForDockerContext): Promise<DockerReady> {
  const socket = ctx.dockerHost ?? DEFAULT_SOCKET;
  const intervalMs = ctx.intervalMs ?? 1000;
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  let lastLines: readonly string[] = [];
  let lastProgress = 0;
  let attempts = 0;

  ctx.log.info(`Waiting for Docker at ${socket} (up to ${formatDuration(ctx.timeoutMs)})`);
  for (;;) {
    attempts += 1;
    const attempt = await probe(ctx, Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, ctx.timeoutMs - elapsed())));
    if ('serverVersion' in attempt) {
      const waitedMs = elapsed();
      ctx.log.info(`Docker ${attempt.serverVersion} is ready at ${socket} (after ${formatDuration(waitedMs)}, ${attempts} attempt${attempts === 1 ? '' : 's'})`);
      return { serverVersion: attempt.serverVersion, waitedMs };
    }
    if (attempt.fatal) throw new DockerUnavailableError(`Cannot run the Docker CLI to reach ${socket}: ${attempt.reason}. The builder image must contain the docker CLI.`, { lastLines: attempt.lines });
    // An attempt cut short by the deadline says nothing: keep the last words the engine did say.
    if (attempt.lines.length > 0) lastLines = attempt.lines;
    if (ctx.signal?.aborted) throw new DockerUnavailableError(`Stopped waiting for Docker at ${socket}: the builder is shutting down.`, { lastLines });
    if (elapsed() + intervalMs >= ctx.timeoutMs) break;
    if (elapsed() - lastProgress >= PROGRESS_EVERY_MS || attempts === 1) {
      lastProgress = elapsed();
      ctx.log.info(`Docker at ${socket} is not ready yet (${attempt.reason}); retrying every ${formatDuration(intervalMs)}`);
    }
    try {
      await sleep(intervalMs, undefined, { signal: ctx.signal });
    } catch {
      throw new DockerUnavailableError(`Stopped waiting for Docker at ${socket}: the builder is shutting down.`, { lastLines });
    }
  }
  throw new DockerUnavailableError(
    `Docker at ${socket} did not answer within ${formatDuration(ctx.timeoutMs)} (${attempts} attempts). `
    + 'Check that the Docker-in-Docker sidecar is running (kubectl logs <pod> -c dind) and that DOCKER_HOST points at its socket; '
    + 'raise DEVCONTAINER_DOCKER_WAIT_SECONDS if the engine is just slow to start.',
    { lastLines },
  );
}

type Probe = { serverVersion: string } | { reason: string; lines: readonly string[]; fatal: boolean };

/** One `docker info`: "not ready yet" is a result here, not an exception. */
async function probe(ctx: WaitForDockerContext, timeoutMs: number): Promise<Probe> {
  try {
    const result = await docker(ctx, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs, tailLines: 10 });
    const version = result.stdout.trim();
    // Without a daemon some CLI versions print an empty version and still exit 0.
    if (version !== '' && !version.includes('<no value>')) return { serverVersion: version };
    return { reason: 'the engine reported no server version', lines: result.tail, fatal: false };
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    const lastLine = error.tail.filter((l) => l.trim() !== '').at(-1);
    // exit code undefined without a signal or timeout: the CLI itself could not start.
    const fatal = error.exitCode === undefined && error.signal === undefined && !error.timedOut && !ctx.signal?.aborted;
    return { reason: lastLine ?? error.message, lines: error.tail, fatal };
  }
}
