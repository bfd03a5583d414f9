import path from 'node:path';
import type { BuilderError } from '../errors.js';
import { startContainer } from '../docker/client.js';
import { startComposeServices } from '../steps/compose.js';
import { labeledContainers, type LabeledContainer } from '../steps/dev-containers.js';
import type { Fingerprints } from '../devcontainer/fingerprint.js';
import { startFallbackContainer } from '../steps/fallback-container.js';
import { fixOwnership } from '../steps/ownership.js';
import { describeBuild, recordContainerInfo } from '../steps/record-info.js';
import type { CommandContext } from './context.js';
import { sameId, writeState, type BuilderState } from './state.js';

/** What `up` knew when the dev container step failed. */
export interface FailureContext {
  readonly previous: BuilderState | undefined;
  readonly timings: Record<string, number>;
  readonly started: number;
  /** Fingerprint of the configuration this run's `up` created a container from. @default - none succeeded */
  readonly fingerprint?: Fingerprints;
  /** The container whose checkout this run already gave to `owner`. */
  readonly chowned?: { readonly containerId: string; readonly owner: string };
  /** A replacement failed: what happened to its new container (builder/steps/replacement.ts, abandonAttempt). @default - no replacement */
  readonly replacement?: { readonly abandoned: string };
}

/** How `up` ended after a failed dev container step. */
export interface Recovered {
  readonly state: BuilderState;
  readonly fallback: boolean;
  readonly degraded: boolean;
}

const BANNER = '!'.repeat(72);

/**
 * After the dev container step failed: a dev container that exists (the
 * previous one, or the one this run created before a lifecycle command
 * failed) is kept, started and recorded as degraded, so the agent runs in it
 * and the user fixes the configuration from inside. Only when there is none
 * does the recovery container start (with `DEVCONTAINER_FALLBACK_IMAGE`);
 * otherwise the failure stands.
 */
export async function recoverFromFailure(ctx: CommandContext, error: BuilderError, at: FailureContext): Promise<Recovered> {
  const { config, log, signal } = ctx;
  // Only the recorded generation: never a backup, never a failed replacement's container.
  const docker = { log, workspaceFolder: config.workspaceFolder, dockerHost: config.dockerHost, signal, generation: at.previous?.generation ?? 0 };
  const containers = await labeledContainers(docker).catch((e: unknown) => {
    log.warn(`Could not list the dev containers: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  });
  const devContainers = containers.filter((c) => !c.fallback);
  const kept = devContainers.find((c) => sameId(c.id, at.previous?.containerId)) ?? devContainers[0];
  if (kept && (await ensureStarted(ctx, kept))) {
    // A Compose dev container's other services (stopped with the Docker host) too.
    await startComposeServices({ log, containerId: kept.id, dockerHost: config.dockerHost, signal });
    return keepContainer(ctx, error, kept, at);
  }
  if (!config.fallbackImage) throw error;
  return startRecovery(ctx, error, at);
}

async function ensureStarted(ctx: CommandContext, container: LabeledContainer): Promise<boolean> {
  if (container.running) return true;
  const { config, log, signal } = ctx;
  log.info(`Starting the existing dev container ${container.id.slice(0, 12)}.`);
  return startContainer({ log, dockerHost: config.dockerHost, signal }, container.id).then(
    () => true,
    (e: unknown) => {
      log.error(`The existing dev container ${container.id.slice(0, 12)} does not start either (it is kept): ${e instanceof Error ? e.message : String(e)}`);
      return false;
    },
  );
}

async function keepContainer(ctx: CommandContext, error: BuilderError, kept: LabeledContainer, at: FailureContext): Promise<Recovered> {
  const { config, log, signal } = ctx;
  const previous = at.previous && !at.previous.fallback && sameId(kept.id, at.previous.containerId) ? at.previous : undefined;
  const kind = error.phase;
  const remoteUser = previous?.remoteUser ?? kept.remoteUser;
  const remoteWorkspaceFolder = previous?.remoteWorkspaceFolder ?? kept.remoteWorkspaceFolder ?? path.posix.join('/workspaces', path.basename(config.workspaceFolder));
  let ownedBy = at.chowned && sameId(kept.id, at.chowned.containerId) ? at.chowned.owner : previous?.ownedBy;
  let built = previous?.built;
  if (!previous) {
    // Created by this run before the failure: it still needs what a
    // successful `up` gives a new container.
    if (ownedBy !== remoteUser) {
      await fixOwnership({ log, containerId: kept.id, remoteUser, folder: remoteWorkspaceFolder, dockerHost: config.dockerHost, signal });
      ownedBy = remoteUser;
    }
    built = describeBuild(new Date(), at.timings.build ?? 0);
    await recordContainerInfo({ log, containerId: kept.id, info: { name: path.basename(config.workspaceFolder), built }, dockerHost: config.dockerHost, signal }).catch(() => undefined);
  }

  const what = previous ? `the PREVIOUS dev container ${kept.id.slice(0, 12)}` : `the dev container ${kept.id.slice(0, 12)} as far as it got`;
  log.error(BANNER);
  if (at.replacement) {
    log.error(`The NEW configuration built, but its container could not ${kind === 'lifecycle' ? 'be set up' : 'start'}: ${error.message}`);
  } else {
    log.error(`The dev container could not be ${kind === 'lifecycle' ? 'set up' : 'built or started'}: ${error.message}`);
  }
  for (const line of error.lastLines.slice(-15)) log.error(`  | ${line}`);
  if (at.replacement) {
    if (at.replacement.abandoned) log.error(at.replacement.abandoned);
    log.error(`The workspace runs ${what} instead, unchanged: your files in it are untouched.`);
  } else {
    log.error(`The workspace runs ${what} instead; nothing was removed.`);
  }
  log.error(kind === 'configuration'
    ? 'devcontainer.json cannot be read: fix it from inside the workspace, then restart the workspace.'
    : 'Fix .devcontainer/ (or the failing command) from inside the workspace, then restart the workspace to apply it.');
  log.error(BANNER);

  at.timings.total = Math.round(performance.now() - at.started);
  const state: BuilderState = {
    version: 1,
    workspaceFolder: config.workspaceFolder,
    built,
    // What the kept container was built from: the next start compares with it.
    fingerprint: previous ? previous.fingerprint : error.fingerprint ?? at.fingerprint,
    containerId: kept.id,
    generation: kept.generation,
    backup: at.previous?.backup,
    remoteUser,
    remoteWorkspaceFolder,
    fallback: false,
    ownedBy,
    updatedAt: new Date().toISOString(),
    timings: at.timings,
    degraded: { reason: error.message, at: new Date().toISOString(), kind },
  };
  await writeState(config.stateDir, state);
  return { state, fallback: false, degraded: true };
}

async function startRecovery(ctx: CommandContext, error: BuilderError, at: FailureContext): Promise<Recovered> {
  const { config, log, signal } = ctx;
  log.error(BANNER);
  log.error(`The dev container could not be built: ${error.message}`);
  for (const line of error.lastLines.slice(-15)) log.error(`  | ${line}`);
  log.error(`There is no dev container: starting the RECOVERY container (${config.fallbackImage}) instead, with the workspace mounted,`);
  log.error('so you can connect, fix .devcontainer/ and restart the workspace.');
  log.error(BANNER);
  const generation = at.previous?.generation ?? 0;
  const recovery = await startFallbackContainer({ log, image: config.fallbackImage!, workspaceFolder: config.workspaceFolder, generation, dockerHost: config.dockerHost, signal });
  at.timings.total = Math.round(performance.now() - at.started);
  const state: BuilderState = {
    version: 1,
    workspaceFolder: config.workspaceFolder,
    containerId: recovery.containerId,
    generation,
    backup: at.previous?.backup,
    remoteUser: recovery.remoteUser,
    remoteWorkspaceFolder: recovery.remoteWorkspaceFolder,
    fallback: true,
    updatedAt: new Date().toISOString(),
    timings: at.timings,
  };
  await writeState(config.stateDir, state);
  return { state, fallback: true, degraded: false };
}
