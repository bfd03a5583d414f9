import type { Logger } from '../log/logger.js';
import { run, type RunOptions, type RunResult } from '../process.js';

/**
 * Which Docker engine a call goes to and what may cancel it. Every Docker
 * call the builder makes goes through this module: `DOCKER_HOST` is built
 * here only, each call takes the abort signal, and each is bounded.
 *
 * The builder spawns the docker CLI rather than speaking the Engine API:
 * the CLI already resolves `DOCKER_HOST` (unix, tcp, ssh), contexts and
 * TLS, and a call costs a few tens of milliseconds against builds of minutes.
 */
export interface DockerTarget {
  readonly log: Logger;
  /** `DOCKER_HOST`. @default - the docker CLI's default socket */
  readonly dockerHost?: string;
  /** Cancels the call (SIGTERM to its process group, see process.ts). @default - not cancellable */
  readonly signal?: AbortSignal;
}

/** How one docker call runs: {@link RunOptions} without the engine's environment and signal, which come from the target. */
export interface DockerCallOptions extends Omit<RunOptions, 'signal'> {
  /** `Infinity`: no timeout (a long-running agent). @default 60000 */
  readonly timeoutMs?: number;
  /** @default 'quiet' */
  readonly onLine?: RunOptions['onLine'];
}

/**
 * The environment that points a child at the Docker engine: the docker CLI,
 * or a program that runs it (the Dev Containers CLI). `extra` adds what one
 * call needs (`DOCKER_CONFIG` for the cache pull and push).
 */
export function dockerEnv(dockerHost: string | undefined, extra: Record<string, string> = {}): Record<string, string> | undefined {
  const env = { ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}), ...extra };
  return Object.keys(env).length > 0 ? env : undefined;
}

/** One `docker <args>`: throws `ProcessError` on failure unless `allowFailure`. */
export function docker(target: DockerTarget, args: readonly string[], options: DockerCallOptions = {}): Promise<RunResult> {
  const { env, timeoutMs, onLine, ...rest } = options;
  return run(target.log, 'docker', args, {
    ...rest,
    env: dockerEnv(target.dockerHost, env as Record<string, string> | undefined),
    signal: target.signal,
    timeoutMs: timeoutMs === Infinity ? undefined : (timeoutMs ?? 60_000),
    onLine: onLine ?? 'quiet',
  });
}

/** Non-empty output lines, trimmed (`docker ps -q`, one id per line). */
function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Short ids of every container (running or not) carrying all `labels` (`key=value`), newest first. */
export async function containerIds(target: DockerTarget, labels: readonly string[]): Promise<string[]> {
  return lines((await docker(target, ['ps', '-aq', ...labels.flatMap((l) => ['--filter', `label=${l}`])])).stdout);
}

/** `docker inspect` of containers, as the engine's JSON objects. */
export async function inspectContainers<T>(target: DockerTarget, ids: readonly string[]): Promise<T[]> {
  return JSON.parse((await docker(target, ['inspect', ...ids])).stdout) as T[];
}

/** Whether the container runs now. */
export async function isRunning(target: DockerTarget, id: string): Promise<boolean> {
  return (await docker(target, ['inspect', '--format', '{{.State.Running}}', id])).stdout.trim() === 'true';
}

/** The image a container was created from (`.Config.Image`). */
export async function imageOf(target: DockerTarget, id: string, options: DockerCallOptions = {}): Promise<string> {
  return (await docker(target, ['inspect', '--format', '{{.Config.Image}}', id], options)).stdout.trim();
}

/** `docker start`; its output is logged. */
export function startContainer(target: DockerTarget, id: string): Promise<RunResult> {
  return docker(target, ['start', id], { timeoutMs: 120_000, onLine: 'log' });
}

/** `docker stop -t <seconds>`, bounded a little beyond the engine's own kill. */
export function stopContainer(target: DockerTarget, id: string, seconds: number): Promise<RunResult> {
  return docker(target, ['stop', '-t', String(seconds), id], { timeoutMs: (seconds + 10) * 1000, onLine: 'log' });
}

/** `docker rm -f`: the caller decides which containers may go. */
export function removeContainers(target: DockerTarget, ids: readonly string[]): Promise<RunResult> {
  return docker(target, ['rm', '-f', ...ids], { timeoutMs: 120_000 });
}

/** How {@link execScript} runs its script. */
export interface ExecOptions extends DockerCallOptions {
  /** `-u`. @default - the container's user */
  readonly user?: string;
  /** Positional parameters of the script (`$1` …). @default [] */
  readonly args?: readonly string[];
}

/** `docker exec [-i] [-u user] <id> sh -c <script> sh <args…>`: stdin is passed only with `input`. */
export function execScript(target: DockerTarget, id: string, script: string, options: ExecOptions = {}): Promise<RunResult> {
  const { user, args, ...call } = options;
  const params = args && args.length > 0 ? ['sh', ...args] : [];
  return docker(target, [
    'exec', ...(call.input === undefined ? [] : ['-i']), ...(user === undefined ? [] : ['-u', user]), id, 'sh', '-c', script, ...params,
  ], call);
}
