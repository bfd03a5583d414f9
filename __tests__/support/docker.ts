// Docker engine detection and a small `docker` CLI runner for the end-to-end
// tests. The engine is the one at DOCKER_HOST, or the CLI's default socket.
// Without an engine the Docker suites are skipped on a laptop but fail when
// CI=true: in CI a missing engine is a broken set-up, never a reason to skip.
import { spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** The engine the tests use, as the docker CLI will resolve it. */
export const dockerHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';

/** True when the environment says it is CI (`CI=true`, `CI=1`). */
export const isCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

export interface DockerRunOptions {
  /** Written to the process's stdin, then stdin is closed. */
  readonly input?: string | Buffer;
  /** Killed with SIGKILL after this long. @default 120000 */
  readonly timeoutMs?: number;
  /** Extra environment (e.g. DOCKER_HOST of a DinD daemon). */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. @default process.cwd() */
  readonly cwd?: string;
}

export interface DockerResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Error thrown by {@link runCommand} / {@link docker} on failure, with the output. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly result: DockerResult,
    readonly timedOut: boolean,
  ) {
    const how = timedOut ? 'timed out' : `exited with ${result.exitCode ?? result.signal}`;
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n');
    super(`${command} ${args.join(' ')} ${how}\n${tail}`);
  }
}

/**
 * Runs one process without a shell, collecting its output; rejects with a
 * {@link CommandError} on a non-zero exit or timeout.
 */
export function runCommand(command: string, args: readonly string[], options: DockerRunOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const result = {
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode,
        signal,
      };
      if (exitCode === 0 && !timedOut) resolve(result);
      else reject(new CommandError(command, args, result, timedOut));
    });
    child.stdin.on('error', () => undefined); // the process may exit before reading
    child.stdin.end(options.input);
  });
}

/** Runs `docker ARGS…` against {@link dockerHost} (or `options.env.DOCKER_HOST`). */
export function docker(args: readonly string[], options: DockerRunOptions = {}): Promise<DockerResult> {
  return runCommand('docker', args, options);
}

/** Runs `docker ARGS…` and returns stdout without the trailing newline. */
export async function dockerOut(args: readonly string[], options: DockerRunOptions = {}): Promise<string> {
  return (await docker(args, options)).stdout.trimEnd();
}

let detected: { available: boolean; reason: string } | undefined;

/**
 * Whether a Docker engine answers, detected once per process (synchronously,
 * so that suites can be declared conditionally at import time).
 */
export function dockerAvailable(): boolean {
  return detectDocker().available;
}

function detectDocker(): { available: boolean; reason: string } {
  if (detected) return detected;
  const probe = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (probe.error) {
    detected = { available: false, reason: `the docker CLI could not run: ${probe.error.message}` };
  } else if (probe.status !== 0) {
    detected = { available: false, reason: `no engine answers at ${dockerHost}: ${probe.stderr.trim()}` };
  } else {
    detected = { available: true, reason: `engine ${probe.stdout.trim()} at ${dockerHost}` };
  }
  return detected;
}

/**
 * Throws when no engine answers and CI=true; returns false (skip) on a laptop
 * without an engine; true when the engine is there. For `beforeAll` guards.
 */
export function requireDocker(): boolean {
  const { available, reason } = detectDocker();
  if (available) return true;
  if (isCi) {
    throw new Error(`CI=true requires a Docker engine that allows privileged containers (run .ci/start-docker.sh): ${reason}`);
  }
  return false;
}

/**
 * `describe` for suites that need Docker: runs them when an engine answers;
 * without one, skips them, unless CI=true, where a single failing test
 * reports the missing engine instead.
 */
export function describeDocker(name: string, body: () => void): void {
  const { available, reason } = detectDocker();
  if (available) {
    describe(name, body);
  } else if (isCi) {
    describe(name, () => {
      it('has a Docker engine (CI=true makes Docker tests mandatory)', () => {
        requireDocker();
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${reason})`, body);
  }
}
