import path from 'node:path';
import { Deadline } from '../deadline.js';
import { DevcontainerUpError, isBuilderError, type UpPhase } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { buildArgs, runUserCommandsArgs, upArgs } from '../devcontainer/args.js';
import { parseBuildxDriver, planCache, type BuildxInfo, type CachePlan } from '../devcontainer/cache.js';
import { describeFailure } from '../devcontainer/failure.js';
import { decideRecreate, type Fingerprints, type StoredFingerprint } from '../devcontainer/fingerprint.js';
import { runDevcontainerCli, type CliRun } from '../devcontainer/run-cli.js';
import type { UpSuccess } from '../devcontainer/result.js';
import { fingerprintWorkspace } from '../devcontainer/workspace-fingerprint.js';
import { detectCompose, dockerComposePathOf } from './compose.js';
import { chooseConfig } from '../devcontainer/config-choice.js';
import { hostRequirementWarnings, parseHostRequirements, type WorkspaceCapacity } from '../devcontainer/host-requirements.js';
import { docker } from '../docker/client.js';
import { pullCacheImages } from './pull-cache.js';
import { stopForReplacement, type ReplacementAttempt } from './replacement.js';

/** What `devcontainerUp` needs. */
export interface DevcontainerUpOptions {
  readonly log: Logger;
  /** The checkout, mounted at the same path in the Docker host. */
  readonly workspaceFolder: string;
  /** Fingerprint recorded by the last successful `up`. @default - none: the container is kept */
  readonly previousFingerprint?: StoredFingerprint;
  /** `DEVCONTAINER_REBUILD`: replace the container even if nothing changed. */
  readonly rebuild: boolean;
  /** The generation of the current dev container (builder/devcontainer/args.ts, idLabelsFor). @default 0 */
  readonly generation?: number;
  readonly cacheFrom: readonly string[];
  readonly cacheTo?: string;
  /** `DOCKER_CONFIG` with the registry credentials, for the builder's own cache pull only. @default - anonymous */
  readonly dockerConfig?: string;
  readonly dockerHost?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * Run the CLI with `--skip-post-create`, leaving lifecycle commands to
   * {@link runLifecycleCommands} (so files can be chowned in between).
   * @default false
   */
  readonly skipPostCreate?: boolean;
  /** Stop the lifecycle commands after `waitFor` (`--skip-non-blocking-commands`), here and in {@link runLifecycleCommands}. @default false */
  readonly skipNonBlocking?: boolean;
  /** Pass `--no-lockfile` (the repository tracks no `devcontainer-lock.json`). @default false */
  readonly noLockfile?: boolean;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
  /** `DEVCONTAINER_CONFIG`: devcontainer.json relative to the checkout. @default - the CLI's lookup (config-choice.ts) */
  readonly configPath?: string;
  /** What the workspace has, for the hostRequirements warnings and `--gpu-availability`. @default - nothing known */
  readonly capacity?: WorkspaceCapacity;
}

/** A running dev container, as `devcontainer up` reported it. */
export interface DevcontainerUpResult extends UpSuccess {
  /** What the running container is made from, to record for the next start. @default - unknown (devcontainer.json unreadable) */
  readonly fingerprint?: Fingerprints;
  /** devcontainer.json's `name`. @default - none given */
  readonly name?: string;
  /** The configuration changed (or a rebuild was asked for): the container was replaced. */
  readonly replaced: boolean;
  /** The generation of the running container, to record. */
  readonly generation: number;
  /** The replacement made: the old container it stopped is now the backup. @default - none */
  readonly attempt?: ReplacementAttempt;
  readonly cache: CachePlan;
  /** An image was built in this run (so there is something to push to the cache). */
  readonly built: boolean;
  readonly timings: { readonly buildMs: number; readonly startMs: number; readonly lifecycleMs: number; readonly totalMs: number };
  /** The `--config` passed (absolute), for later CLI calls. @default - none: the CLI's lookup */
  readonly configFile?: string;
}

/**
 * Create (or reuse) and start the dev container with `devcontainer up`.
 * The CLI never applies a changed configuration to an existing container, so
 * the configuration's fingerprint decides on a replacement. It is built with
 * `devcontainer build` first (a failing build leaves the old container
 * untouched); then the old container is stopped, never removed, and `up`
 * creates the new one under the next generation's id labels, so the CLI's
 * lookup (devcontainers/cli src/spec-node/singleContainer.ts,
 * findExistingContainer) cannot find the old one. If that `up` fails, the
 * error carries the attempt: `up` (builder/commands/up.ts) starts the old
 * container again. Compose containers are found by project and service, not
 * id labels (src/spec-node/dockerCompose.ts, findComposeContainer), so
 * Compose keeps `--remove-existing-container` and its generation.
 */
export async function devcontainerUp(options: DevcontainerUpOptions): Promise<DevcontainerUpResult> {
  const { log } = options;
  // `timeoutMs` bounds the whole step: the build before a replacement and `up` share it.
  const deadline = new Deadline(options.timeoutMs);
  const cli = { bin: options.devcontainerBin, dockerHost: options.dockerHost, signal: options.signal };
  const asConfigurationError = (error: unknown): never => {
    if (!isBuilderError(error)) throw error;
    throw new DevcontainerUpError(error.message, { cause: error, lastLines: error.lastLines, phase: 'configuration' });
  };
  const choice = await chooseConfig(options.workspaceFolder, options.configPath).catch(asConfigurationError);
  for (const message of choice.messages) log[message.level](message.text);
  const configFile = choice.configFile === undefined ? undefined : path.join(options.workspaceFolder, choice.configFile);
  const { fingerprint: current, problem, name, usesCompose, buildsImage, config } = await fingerprintWorkspace(options.workspaceFolder, choice.configFile, options.capacity?.gpuAvailability).catch(asConfigurationError);
  if (config) for (const warning of hostRequirementWarnings(parseHostRequirements(config), options.capacity ?? {})) log.warn(warning);
  const dockerComposePath = dockerComposePathOf(usesCompose ? await detectCompose({ log, dockerHost: options.dockerHost, signal: options.signal }) : undefined);
  const decision = decideRecreate({ previous: options.previousFingerprint, current, problem, rebuild: options.rebuild });
  for (const message of decision.messages) log[message.level](message.text);
  const replaced = decision.recreate;
  const fingerprint = decision.record;

  // Only a cache to write depends on buildx (devcontainer/cache.ts, planCache): no probe without one.
  const buildx: BuildxInfo = options.cacheTo ? await detectBuildx(log, options.dockerHost, options.signal) : { available: false };
  const cache = planCache({ cacheFrom: options.cacheFrom, cacheTo: options.cacheTo, credentials: options.dockerConfig !== undefined, buildx });
  log.info(cache.summary);
  // The CLI holds no registry credentials (it runs repository code): the
  // builder pulls the cache images itself, only when an image is built
  // (no recorded container, or a replacement), never on a plain restart.
  if (buildsImage && (replaced || options.previousFingerprint === undefined) && cache.cacheFrom.length > 0) {
    await pullCacheImages({ log, refs: cache.cacheFrom, dockerHost: options.dockerHost, dockerConfig: options.dockerConfig, signal: options.signal, timeoutMs: deadline.budget(300_000) });
  }

  let prebuildMs = 0;
  let prebuilt = false;
  let attempt: ReplacementAttempt | undefined;
  const currentGeneration = options.generation ?? 0;
  if (replaced) {
    log.info('Building the new image first: the current dev container is replaced only if the build succeeds.');
    const build = await runDevcontainerCli(log, buildArgs({ workspaceFolder: options.workspaceFolder, configFile, cache, noLockfile: options.noLockfile, dockerComposePath }), { ...cli, timeoutMs: deadline.budget() });
    if (build.result?.outcome !== 'success') fail('build', 'build', build, fingerprint);
    prebuildMs = build.durationMs;
    prebuilt = build.timings.buildMs > 0;
    if (!usesCompose) attempt = await stopForReplacement({ log, workspaceFolder: options.workspaceFolder, dockerHost: options.dockerHost, signal: options.signal, generation: currentGeneration });
  }
  const generation = attempt?.generation ?? currentGeneration;

  const up = await runDevcontainerCli(log, upArgs({
    workspaceFolder: options.workspaceFolder, configFile, cache, generation, removeExisting: replaced && usesCompose, skipPostCreate: options.skipPostCreate, skipNonBlocking: options.skipNonBlocking,
    noLockfile: options.noLockfile, gpuAvailability: options.capacity?.gpuAvailability, dockerComposePath,
  }), { ...cli, timeoutMs: deadline.budget() }).catch((error: unknown) => {
    if (!attempt?.old) throw error;
    throw new DevcontainerUpError(`The dev container step failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error, fingerprint, attempt, phase: 'up' });
  });
  const result = ensureSuccess('up', up, fingerprint, attempt);
  return {
    ...result,
    fingerprint,
    name,
    replaced,
    generation,
    attempt: attempt?.old ? attempt : undefined,
    cache,
    built: prebuilt || up.timings.buildMs > 0,
    timings: { ...up.timings, buildMs: up.timings.buildMs + prebuildMs, totalMs: up.durationMs + prebuildMs },
    configFile,
  };
}

/**
 * Run the dev container's lifecycle commands (onCreate … postStart, with the
 * CLI's own once-only markers) in an existing container.
 * @returns how long they took
 */
export async function runLifecycleCommands(
  options: Pick<DevcontainerUpOptions, 'log' | 'workspaceFolder' | 'dockerHost' | 'timeoutMs' | 'signal' | 'devcontainerBin' | 'generation' | 'skipNonBlocking'> & { readonly configFile?: string; readonly containerId?: string },
): Promise<{ durationMs: number }> {
  const cli = { bin: options.devcontainerBin, dockerHost: options.dockerHost, signal: options.signal, timeoutMs: options.timeoutMs };
  const runResult = await runDevcontainerCli(options.log, runUserCommandsArgs(options.workspaceFolder, options.generation, options.containerId, options.configFile, options.skipNonBlocking), cli);
  // run-user-commands prints `{"outcome":"success"}` without container details.
  if (runResult.result?.outcome !== 'success') ensureSuccess('run-user-commands', runResult);
  return { durationMs: runResult.durationMs };
}

function ensureSuccess(command: string, cliRun: CliRun, fingerprint?: Fingerprints, attempt?: ReplacementAttempt): UpSuccess {
  const { result } = cliRun;
  if (result?.outcome === 'success') {
    // The result line is the CLI's verdict; the exit code can be non-zero
    // after success (e.g. a background task failing on the way out).
    return result;
  }
  return fail(command === 'run-user-commands' ? 'lifecycle' : 'up', command, cliRun, fingerprint, attempt);
}

function fail(phase: UpPhase, command: string, cliRun: CliRun, fingerprint: Fingerprints | undefined, attempt?: ReplacementAttempt): never {
  const failure = describeFailure({ command, result: cliRun.result, failedStep: cliRun.failedStep, exitCode: cliRun.exitCode });
  const lifecycle = failure.step.endsWith('Command');
  throw new DevcontainerUpError(failure.message, { lastLines: cliRun.lastLines, fingerprint, phase: lifecycle ? 'lifecycle' : phase, attempt: attempt?.old ? attempt : undefined });
}

/** `docker buildx version` and the current builder's driver; never throws. */
async function detectBuildx(log: Logger, dockerHost: string | undefined, signal: AbortSignal | undefined): Promise<BuildxInfo> {
  const target = { log, dockerHost, signal };
  const version = await docker(target, ['buildx', 'version'], { timeoutMs: 30_000 }).catch(() => undefined);
  if (!version || version.exitCode !== 0) return { available: false };
  const inspect = await docker(target, ['buildx', 'inspect'], { timeoutMs: 30_000 }).catch(() => undefined);
  return { available: true, driver: inspect && inspect.exitCode === 0 ? parseBuildxDriver(inspect.stdout) : undefined };
}
