import { DevcontainerUpError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { run } from '../process.js';
import { runUserCommandsArgs, upArgs } from '../devcontainer/args.js';
import { parseBuildxDriver, planCache, type BuildxInfo, type CachePlan } from '../devcontainer/cache.js';
import { describeFailure } from '../devcontainer/failure.js';
import { decideRecreate, type Fingerprints, type StoredFingerprint } from '../devcontainer/fingerprint.js';
import { runDevcontainerCli, type CliRun } from '../devcontainer/run-cli.js';
import type { UpSuccess } from '../devcontainer/result.js';
import { fingerprintWorkspace } from '../devcontainer/workspace-fingerprint.js';

/** What `devcontainerUp` needs. */
export interface DevcontainerUpOptions {
  readonly log: Logger;
  /** The checkout, mounted at the same path in the Docker host. */
  readonly workspaceFolder: string;
  /** Fingerprint recorded by the last successful `up`. @default - none: the container is kept */
  readonly previousFingerprint?: StoredFingerprint;
  /** `DEVCONTAINER_REBUILD`: replace the container even if nothing changed. */
  readonly rebuild: boolean;
  readonly cacheFrom: readonly string[];
  readonly cacheTo?: string;
  readonly dockerHost?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * Run the CLI with `--skip-post-create`, leaving lifecycle commands to
   * {@link runLifecycleCommands} (so files can be chowned in between).
   * @default false
   */
  readonly skipPostCreate?: boolean;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
}

/** A running dev container, as `devcontainer up` reported it. */
export interface DevcontainerUpResult extends UpSuccess {
  /** What the running container is made from, to record for the next start. @default - unknown (devcontainer.json unreadable) */
  readonly fingerprint?: Fingerprints;
  /** devcontainer.json's `name`. @default - none given */
  readonly name?: string;
  /** `--remove-existing-container` was passed. */
  readonly replaced: boolean;
  readonly cache: CachePlan;
  /** An image was built in this run (so there is something to push to the cache). */
  readonly built: boolean;
  readonly timings: { readonly buildMs: number; readonly startMs: number; readonly lifecycleMs: number; readonly totalMs: number };
}

/**
 * Create (or reuse) and start the dev container with `devcontainer up`.
 * The CLI never applies a changed configuration to an existing container, so
 * the configuration's fingerprint decides `--remove-existing-container`.
 */
export async function devcontainerUp(options: DevcontainerUpOptions): Promise<DevcontainerUpResult> {
  const { log } = options;
  const cli = { bin: options.devcontainerBin, dockerHost: options.dockerHost, signal: options.signal };
  const { fingerprint: current, problem, name, usesCompose } = await fingerprintWorkspace(options.workspaceFolder);
  if (usesCompose) await ensureCompose(log, options.dockerHost, options.signal);
  const decision = decideRecreate({ previous: options.previousFingerprint, current, problem, rebuild: options.rebuild });
  for (const message of decision.messages) log[message.level](message.text);
  const replaced = decision.recreate;
  const fingerprint = decision.record;

  const cache = planCache({ cacheFrom: options.cacheFrom, cacheTo: options.cacheTo, buildx: await detectBuildx(log, options.dockerHost, options.signal) });
  log.info(cache.summary);

  const up = await runDevcontainerCli(log, upArgs({ workspaceFolder: options.workspaceFolder, cache, removeExisting: replaced, skipPostCreate: options.skipPostCreate }), { ...cli, timeoutMs: options.timeoutMs });
  const result = ensureSuccess('up', up);
  return {
    ...result,
    fingerprint,
    name,
    replaced,
    cache,
    built: up.timings.buildMs > 0,
    timings: { ...up.timings, totalMs: up.durationMs },
  };
}

/**
 * Run the dev container's lifecycle commands (onCreate … postStart, with the
 * CLI's own once-only markers) in an existing container.
 * @returns how long they took
 */
export async function runLifecycleCommands(options: Pick<DevcontainerUpOptions, 'log' | 'workspaceFolder' | 'dockerHost' | 'timeoutMs' | 'signal' | 'devcontainerBin'>): Promise<{ durationMs: number }> {
  const cli = { bin: options.devcontainerBin, dockerHost: options.dockerHost, signal: options.signal, timeoutMs: options.timeoutMs };
  const runResult = await runDevcontainerCli(options.log, runUserCommandsArgs(options.workspaceFolder), cli);
  // run-user-commands prints `{"outcome":"success"}` without container details.
  if (runResult.result?.outcome !== 'success') ensureSuccess('run-user-commands', runResult);
  return { durationMs: runResult.durationMs };
}

function ensureSuccess(command: string, cliRun: CliRun): UpSuccess {
  const { result, exitCode } = cliRun;
  if (result?.outcome === 'success') {
    // The result line is the CLI's verdict; the exit code can be non-zero
    // after success (e.g. a background task failing on the way out).
    return result;
  }
  const failure = describeFailure({ command, result, failedStep: cliRun.failedStep, exitCode });
  throw new DevcontainerUpError(failure.message, { lastLines: cliRun.lastLines });
}

/**
 * A Compose dev container needs `docker compose` or `docker-compose`. Without
 * either, the CLI only says it could not read the Compose configuration (the
 * cause is a debug line), so say what is missing before it starts.
 */
async function ensureCompose(log: Logger, dockerHost: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  const env = dockerHost ? { DOCKER_HOST: dockerHost } : undefined;
  const works = async (file: string, args: string[]) =>
    (await run(log, file, args, { env, signal, timeoutMs: 30_000, onLine: 'quiet', allowFailure: true }).catch(() => undefined))?.exitCode === 0;
  if ((await works('docker', ['compose', 'version'])) || (await works('docker-compose', ['version']))) return;
  throw new DevcontainerUpError(
    'This dev container uses Docker Compose (dockerComposeFile in devcontainer.json), but Compose is not available in the builder image: '
      + 'neither `docker compose` nor `docker-compose` runs, so Compose dev containers are not supported with it. '
      + 'Use the published builder image (it ships the Compose plugin) or an image- or Dockerfile-based devcontainer.json.',
  );
}

/** `docker buildx version` and the current builder's driver; never throws. */
async function detectBuildx(log: Logger, dockerHost: string | undefined, signal: AbortSignal | undefined): Promise<BuildxInfo> {
  const env = dockerHost ? { DOCKER_HOST: dockerHost } : undefined;
  const version = await run(log, 'docker', ['buildx', 'version'], { env, signal, timeoutMs: 30_000, onLine: 'quiet' }).catch(() => undefined);
  if (!version || version.exitCode !== 0) return { available: false };
  const inspect = await run(log, 'docker', ['buildx', 'inspect'], { env, signal, timeoutMs: 30_000, onLine: 'quiet' }).catch(() => undefined);
  return { available: true, driver: inspect && inspect.exitCode === 0 ? parseBuildxDriver(inspect.stdout) : undefined };
}
