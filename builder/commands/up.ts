import path from 'node:path';
import { isBuilderError } from '../errors.js';
import { formatDuration } from '../log/logger.js';
import { checkout } from '../steps/checkout.js';
import { devcontainerUp, runLifecycleCommands } from '../steps/devcontainer-up.js';
import { startFallbackContainer } from '../steps/fallback-container.js';
import { installExtensions } from '../steps/install-extensions.js';
import { fixOwnership } from '../steps/ownership.js';
import { pushCacheImage } from '../steps/push-cache.js';
import { describeBuild, recordContainerInfo } from '../steps/record-info.js';
import { waitForDocker } from '../steps/wait-for-docker.js';
import type { CommandContext } from './context.js';
import { readState, writeState, type BuilderState } from './state.js';

/** What `up` achieved. */
export interface UpOutcome {
  readonly state: BuilderState;
  /** The recovery container runs instead of the dev container. */
  readonly fallback: boolean;
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * `devcontainer-builder up`: wait for Docker, check out the repository,
 * build and start the dev container, give the checkout to its user, run the
 * lifecycle commands, and record the result for the next start and for
 * `agent`. With `DEVCONTAINER_FALLBACK_IMAGE`, a failed build or lifecycle
 * command leaves a recovery container instead of failing.
 */
export async function upCommand(ctx: CommandContext): Promise<UpOutcome> {
  const { config, log, signal } = ctx;
  const started = performance.now();
  const timings: Record<string, number> = {};
  const previous = await readState(config.stateDir);

  await waitForDocker({ log, dockerHost: config.dockerHost, timeoutMs: config.timeouts.dockerWaitMs, signal });

  const checkedOut = await log.time('Checkout', () => checkout({
    log, repository: config.repository, branch: config.branch, folder: config.workspaceFolder,
    githubToken: config.githubToken, timeoutMs: config.timeouts.cloneMs, signal,
    ssh: { agentUrl: config.agentUrl, agentToken: config.agentToken, knownHosts: config.sshKnownHosts },
  }));
  timings.checkout = checkedOut.ms;

  try {
    const common = { log, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, timeoutMs: config.timeouts.upMs, signal, devcontainerBin: ctx.devcontainerBin };
    if (previous?.fallback) log.info('The last start ended in the recovery container: trying the dev container again.');
    // Lifecycle commands run as the remote user and must find the checkout
    // theirs. When it may not be (fresh clone, new or replaced container),
    // `up` stops before them, the checkout is chowned, then they run; on a
    // plain restart one `up` does everything.
    const mayNeedChown = checkedOut.value.freshClone || !previous?.ownedBy || previous.fallback || config.rebuild;
    const up = await log.time('Dev container', () => devcontainerUp({
      ...common,
      previousFingerprint: previous?.fingerprint,
      // A recovery container carries the same id label: never reuse it as the dev container.
      rebuild: config.rebuild || previous?.fallback === true,
      cacheFrom: config.cacheFrom,
      cacheTo: config.cacheTo,
      skipPostCreate: mayNeedChown,
    }));
    timings.build = up.value.timings.buildMs;
    timings.start = up.value.timings.startMs;
    timings.lifecycle = up.value.timings.lifecycleMs;

    const owner = up.value.remoteUser;
    if (mayNeedChown || previous?.ownedBy !== owner) {
      await fixOwnership({ log, containerId: up.value.containerId, remoteUser: owner, folder: up.value.remoteWorkspaceFolder, dockerHost: config.dockerHost, signal });
    }
    if (mayNeedChown) {
      const lifecycle = await log.time('Lifecycle commands', () => runLifecycleCommands(common));
      timings.lifecycle = lifecycle.ms;
    }

    await installExtensions({ log, workspaceFolder: config.workspaceFolder, containerId: up.value.containerId, remoteUser: owner, dockerHost: config.dockerHost, devcontainerBin: ctx.devcontainerBin, signal });

    if (up.value.cache.pushImageTo && up.value.built) {
      const pushed = await log.time('Cache push', () => pushCacheImage({ log, containerId: up.value.containerId, ref: up.value.cache.pushImageTo!, dockerHost: config.dockerHost, signal }));
      timings.cachePush = pushed.ms;
    }

    // A reused container keeps the build time recorded when it was built.
    const built = up.value.built || !previous?.built ? describeBuild(new Date(), timings.build ?? 0) : previous.built;
    const name = up.value.name ?? path.basename(config.workspaceFolder);
    await recordContainerInfo({ log, containerId: up.value.containerId, info: { name, built }, dockerHost: config.dockerHost, signal });

    timings.total = Math.round(performance.now() - started);
    const state: BuilderState = {
      version: 1,
      workspaceFolder: config.workspaceFolder,
      built,
      fingerprint: up.value.fingerprint,
      containerId: up.value.containerId,
      remoteUser: owner,
      remoteWorkspaceFolder: up.value.remoteWorkspaceFolder,
      fallback: false,
      ownedBy: owner,
      updatedAt: new Date().toISOString(),
      timings,
    };
    await writeState(config.stateDir, state);
    log.info(`Timing: ${summary(timings)}`);
    log.info(`The dev container ${up.value.containerId.slice(0, 12)} is ready (user ${owner}, folder ${up.value.remoteWorkspaceFolder}).`);
    return { state, fallback: false, timings };
  } catch (error) {
    if (!config.fallbackImage || signal.aborted || !isBuilderError(error) || error.step !== 'devcontainer-up') throw error;
    return startRecovery(ctx, error.message, error.lastLines, timings, started);
  }
}

async function startRecovery(ctx: CommandContext, reason: string, lastLines: readonly string[], timings: Record<string, number>, started: number): Promise<UpOutcome> {
  const { config, log, signal } = ctx;
  const banner = '!'.repeat(72);
  log.error(banner);
  log.error(`The dev container could not be built: ${reason}`);
  for (const line of lastLines.slice(-15)) log.error(`  | ${line}`);
  log.error(`Starting the RECOVERY container (${config.fallbackImage}) instead, with the workspace mounted,`);
  log.error('so you can connect, fix .devcontainer/ and rebuild the workspace.');
  log.error(banner);
  const recovery = await startFallbackContainer({ log, image: config.fallbackImage!, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, signal });
  timings.total = Math.round(performance.now() - started);
  const state: BuilderState = {
    version: 1,
    workspaceFolder: config.workspaceFolder,
    containerId: recovery.containerId,
    remoteUser: recovery.remoteUser,
    remoteWorkspaceFolder: recovery.remoteWorkspaceFolder,
    fallback: true,
    updatedAt: new Date().toISOString(),
    timings,
  };
  await writeState(config.stateDir, state);
  log.warn(`Recovery container ${recovery.containerId.slice(0, 12)} is running. Timing: ${summary(timings)}`);
  return { state, fallback: true, timings };
}

/** `checkout 1.2 s, build 40.0 s, …` in pipeline order. */
export function summary(timings: Readonly<Record<string, number>>): string {
  const order = ['checkout', 'build', 'start', 'lifecycle', 'cachePush', 'total'];
  return order.filter((k) => timings[k] !== undefined).map((k) => `${k} ${formatDuration(timings[k]!)}`).join(', ');
}
