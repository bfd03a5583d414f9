import path from 'node:path';
import { Deadline } from '../deadline.js';
import { formatDuration } from '../log/logger.js';
import type { Fingerprints } from '../devcontainer/fingerprint.js';
import { ONCE_PER_CONTAINER, type LifecycleCommand } from '../devcontainer/wait-for.js';
import { describeError, inStep, toBuilderError } from '../step-boundary.js';
import { checkout } from '../steps/checkout.js';
import { devcontainerUp, runLifecycleCommands } from '../steps/devcontainer-up.js';
import { removeRecoveryContainers } from '../steps/dev-containers.js';
import { installIntoCodeServer, resolveExtensions } from '../steps/install-extensions.js';
import { tracksLockfile } from '../steps/lockfile.js';
import { fixOwnership } from '../steps/ownership.js';
import { pushCacheImage } from '../steps/push-cache.js';
import { interruptedAdvice, pendingLifecycle } from '../steps/background-lifecycle.js';
import { abandonAttempt, keepBackup, type ReplacementAttempt } from '../steps/replacement.js';
import { describeBuild, recordInContainer, type RecordedInContainer } from '../steps/record-info.js';
import { waitForDocker } from '../steps/wait-for-docker.js';
import type { CommandContext } from './context.js';
import { recoverFromFailure } from './recover.js';
import { readState, sameId, writeState, type BuilderState } from './state.js';

/** What `up` achieved. */
export interface UpOutcome {
  readonly state: BuilderState;
  /** The recovery container runs instead of the dev container. */
  readonly fallback: boolean;
  /** The dev container step failed and the existing dev container was kept (`state.degraded` says why). */
  readonly degraded?: boolean;
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * `devcontainer-builder up`: wait for Docker, check out the repository,
 * build and start the dev container, give the checkout to its user, run the
 * lifecycle commands, and record the result for the next start and for
 * `agent`. When that fails, an existing dev container is kept and started
 * (never removed); only without one does `DEVCONTAINER_FALLBACK_IMAGE`
 * start a recovery container instead of failing.
 */
export async function upCommand(ctx: CommandContext): Promise<UpOutcome> {
  const { config, log, signal } = ctx;
  const started = performance.now();
  const timings: Record<string, number> = {};
  // One deadline for all of `up`: every step below waits at most what is left of it.
  const deadline = new Deadline(config.timeouts.upMs);
  const previous = await readState(config.stateDir, config.workspaceFolder);

  // The checkout needs no Docker: it runs while Docker comes up. A Docker
  // failure is reported first, as when they ran one after the other.
  const [, checkedOut] = await inOrder(
    inStep('wait-for-docker', () => waitForDocker({ log, dockerHost: config.dockerHost, timeoutMs: deadline.budget(config.timeouts.dockerWaitMs), signal })),
    inStep('checkout', () => log.time('Checkout', () => checkout({
      log, repository: config.repository, branch: config.branch, folder: config.workspaceFolder,
      githubToken: config.githubToken, cloneCredentialDir: config.cloneCredentialDir, timeoutMs: deadline.budget(config.timeouts.cloneMs), signal,
      ssh: { agentUrl: config.agentUrl, agentToken: config.agentToken, knownHosts: config.sshKnownHosts },
    }))),
  );
  timings.checkout = checkedOut.ms;

  let chowned: { containerId: string; owner: string } | undefined;
  let fingerprint: Fingerprints | undefined;
  let attempt: ReplacementAttempt | undefined;
  try {
    const common = () => ({ log, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, timeoutMs: deadline.budget(), signal, devcontainerBin: ctx.devcontainerBin });
    if (previous?.fallback) log.info('The last start ended in the recovery container: trying the dev container again.');
    if (previous?.degraded) log.warn(`The last start kept the previous dev container (${previous.degraded.reason}): trying the configuration again.`);
    // The CLI finds its container by the id label, which a recovery container
    // also carries: remove those (and only those) so it is never taken for the dev container.
    // Since CLI 0.87 `up` writes devcontainer-lock.json into the checkout: not unless the repository tracks one.
    const [, tracked] = await inOrder(
      removeRecoveryContainers({ log, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, signal }),
      tracksLockfile(log, config.workspaceFolder, signal),
    );
    const noLockfile = !tracked;
    // Lifecycle commands run as the remote user and must find the checkout
    // theirs. When it may not be (fresh clone, new or replaced container),
    // `up` stops before them, the checkout is chowned, then they run; on a
    // plain restart one `up` does everything.
    const mayNeedChown = checkedOut.value.freshClone || !previous?.ownedBy || previous.fallback || config.rebuild;
    const up = await inStep('devcontainer-up', () => log.time('Dev container', () => devcontainerUp({
      ...common(),
      previousFingerprint: previous?.fingerprint,
      generation: previous?.generation ?? 0,
      // After a recovery container the dev container (if any) is of unknown
      // configuration: rebuild it, replacing it only once the build succeeded.
      rebuild: config.rebuild || previous?.fallback === true,
      noLockfile,
      cacheFrom: config.cacheFrom,
      cacheTo: config.cacheTo,
      dockerConfig: config.dockerConfig,
      skipPostCreate: mayNeedChown,
      // Stop after `waitFor`: `agent` runs the rest in the background (state.lifecycle).
      skipNonBlocking: true,
      configPath: config.devcontainer.configPath,
      capacity: config.devcontainer.capacity,
    })), 'The dev container step failed');
    fingerprint = up.value.fingerprint;
    attempt = up.value.attempt;
    timings.build = up.value.timings.buildMs;
    timings.start = up.value.timings.startMs;
    timings.lifecycle = up.value.timings.lifecycleMs;

    const owner = up.value.remoteUser;
    if (mayNeedChown || previous?.ownedBy !== owner) {
      const fixed = await fixOwnership({ log, containerId: up.value.containerId, remoteUser: owner, folder: up.value.remoteWorkspaceFolder, dockerHost: config.dockerHost, signal, timeoutMs: deadline.budget(10 * 60_000) });
      if (fixed.changed) chowned = { containerId: up.value.containerId, owner };
    }
    if (mayNeedChown) {
      const lifecycle = await inStep('devcontainer-up', () => log.time('Lifecycle commands', () => runLifecycleCommands({ ...common(), configFile: up.value.configFile, generation: up.value.generation, containerId: up.value.containerId, skipNonBlocking: true })), 'The lifecycle commands failed');
      timings.lifecycle = lifecycle.ms;
    }
    // What is left after `waitFor`, for `agent`; the once-per-container
    // commands only when this container has not had its background run yet.
    const sameContainer = !up.value.replaced && !previous?.fallback && sameId(previous?.containerId, up.value.containerId);
    const lifecycleLeft = pendingLifecycle({ log, containerId: up.value.containerId, dockerHost: config.dockerHost, signal, createTimeDone: sameContainer && (previous?.lifecycle === undefined || previous.lifecycle.ran !== undefined) });
    const lastRun = sameContainer ? previous?.lifecycle?.ran : undefined;
    if (lastRun?.outcome === 'interrupted' && (lastRun.command === undefined || ONCE_PER_CONTAINER.has(lastRun.command as LifecycleCommand))) log.warn(`The last stop interrupted the lifecycle commands${lastRun.command ? ` (${lastRun.command})` : ''}. ${interruptedAdvice(lastRun.command)}`);

    // A reused container keeps the build time recorded when it was built.
    const built = up.value.built || !previous?.built ? describeBuild(new Date(), timings.build ?? 0) : previous.built;
    const name = up.value.name ?? path.basename(config.workspaceFolder);
    // Extensions never fail the start, the deadline of `up` included: at it they are skipped.
    const extensionsSignal = AbortSignal.any([signal, AbortSignal.timeout(deadline.budget())]);
    const extensionOptions = { log, workspaceFolder: config.workspaceFolder, configFile: up.value.configFile, containerId: up.value.containerId, remoteUser: owner, dockerHost: config.dockerHost, devcontainerBin: ctx.devcontainerBin, signal: extensionsSignal, previous: previous?.records };
    const atDeadline = (error: unknown): undefined => {
      if (signal.aborted) throw error;
      log.warn(`VS Code extensions: stopped at the deadline of up (DEVCONTAINER_UP_TIMEOUT_SECONDS): ${describeError(error)}`);
      return undefined;
    };
    const extensions = await resolveExtensions(extensionOptions).catch(atDeadline);
    // The container info and the VS Code record with one exec, none when the state says the container has them.
    const records: RecordedInContainer = await recordInContainer({ log, containerId: up.value.containerId, info: { name, built }, extensions, previous: previous?.records, dockerHost: config.dockerHost, signal });
    if (extensions) await installIntoCodeServer(extensionOptions, extensions.list).catch(atDeadline);

    if (up.value.cache.pushImageTo && up.value.built) {
      const pushed = await log.time('Cache push', () => pushCacheImage({ log, containerId: up.value.containerId, ref: up.value.cache.pushImageTo!, dockerHost: config.dockerHost, dockerConfig: config.dockerConfig, signal, timeoutMs: deadline.budget(600_000) }));
      timings.cachePush = pushed.ms;
    }

    const lifecycle = await lifecycleLeft;
    if (lifecycle.pending.length > 0) log.info(`After waitFor (${lifecycle.waitFor}) the agent starts; ${lifecycle.pending.join(', ')} then run${lifecycle.pending.length === 1 ? 's' : ''} in the background.`);
    timings.total = Math.round(performance.now() - started);
    const state: BuilderState = {
      version: 1,
      workspaceFolder: config.workspaceFolder,
      built,
      fingerprint: up.value.fingerprint,
      containerId: up.value.containerId,
      generation: up.value.generation,
      // The stopped old container of this replacement, else the one kept before.
      backup: attempt?.old ? { containerId: attempt.old.id, generation: attempt.old.generation, at: new Date().toISOString() } : previous?.backup,
      remoteUser: owner,
      remoteWorkspaceFolder: up.value.remoteWorkspaceFolder,
      fallback: false,
      ownedBy: owner,
      updatedAt: new Date().toISOString(),
      timings,
      records,
      lifecycle: { waitFor: lifecycle.waitFor, pending: lifecycle.pending },
    };
    await writeState(config.stateDir, state);
    // The replacement is recorded: nothing from here on may undo it.
    if (attempt) {
      await keepBackup({ log, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, signal, attempt, previousBackup: previous?.backup?.containerId, remoteUser: previous?.remoteUser ?? owner })
        .catch((e: unknown) => log.warn(`Could not check the backup containers: ${e instanceof Error ? e.message : String(e)}`));
      attempt = undefined;
    }
    log.info(`Timing: ${summary(timings)}`);
    log.info(`The dev container ${up.value.containerId.slice(0, 12)} is ready (user ${owner}, folder ${up.value.remoteWorkspaceFolder}).`);
    return { state, fallback: false, timings };
  } catch (error) {
    const failure = toBuilderError('devcontainer-up', error);
    // Only a failed dev container step (also a CLI run that timed out) has a
    // recovery, and it must not cost the user the container they have.
    if (signal.aborted || failure.step !== 'devcontainer-up') throw failure;
    // A failed replacement: the new container goes (only if it never started), the old one comes back.
    attempt ??= failure.attempt;
    const abandoned = attempt ? await abandonAttempt({ log, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, signal, attempt }).catch((e: unknown) => {
      log.warn(`Could not clean up the failed replacement: ${describeError(e)}`);
      return '';
    }) : undefined;
    const recovered = await recoverFromFailure(ctx, failure, { previous, timings, started, chowned, fingerprint, replacement: attempt ? { abandoned: abandoned ?? '' } : undefined });
    const { containerId } = recovered.state;
    if (recovered.fallback) log.warn(`Recovery container ${containerId.slice(0, 12)} is running. Timing: ${summary(timings)}`);
    else log.warn(`The workspace runs the dev container ${containerId.slice(0, 12)} as it is, without the failed step (see above). Timing: ${summary(timings)}`);
    return { state: recovered.state, fallback: recovered.fallback, degraded: recovered.degraded, timings };
  }
}

/**
 * Both results once both settled; on failure the first one's error wins, so
 * running independent steps side by side reports what running them one
 * after the other would have reported.
 */
async function inOrder<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/** `checkout 1.2 s, build 40.0 s, …` in pipeline order. */
export function summary(timings: Readonly<Record<string, number>>): string {
  const order = ['checkout', 'build', 'start', 'lifecycle', 'cachePush', 'total'];
  return order.filter((k) => timings[k] !== undefined).map((k) => `${k} ${formatDuration(timings[k]!)}`).join(', ');
}
