import { setTimeout as sleep } from 'node:timers/promises';
import { AgentError } from '../errors.js';
import { inStep } from '../step-boundary.js';
import { formatDuration } from '../log/logger.js';
import { containerIds, isRunning, startContainer, stopContainer } from '../docker/client.js';
import { idLabelsFor, upArgs } from '../devcontainer/args.js';
import { chosenConfigFile } from '../devcontainer/config-choice.js';
import { describeFailure } from '../devcontainer/failure.js';
import { runDevcontainerCli } from '../devcontainer/run-cli.js';
import { FORCE_KILL_AFTER_MS } from '../process.js';
import { pendingLifecycle, runBackgroundLifecycle, type PendingLifecycle } from '../steps/background-lifecycle.js';
import { tracksLockfile } from '../steps/lockfile.js';
import { startAgent, stopLeftoverAgent, type AgentExit, type RunningAgent } from '../steps/start-agent.js';
import { waitForDocker } from '../steps/wait-for-docker.js';
import type { CommandContext } from './context.js';
import { readState, recordLifecycleRun, sameId, writeState, type BuilderState } from './state.js';

/** How the agent is kept alive. */
export interface AgentPolicy {
  /** Pauses before restarts; their number bounds the restarts. @default [1000, 2000, 5000, 10000, 20000, 30000] */
  readonly restartDelaysMs?: readonly number[];
  /** An agent that ran this long resets the restart count. @default 600000 */
  readonly healthyAfterMs?: number;
  /** `docker stop -t` for the dev container on SIGTERM, in seconds. @default 10 */
  readonly stopTimeoutSeconds?: number;
}

/**
 * `devcontainer-builder agent`: find the dev container `up` made, start it
 * (with its start-time lifecycle commands) if the Docker host restarted, run
 * the Coder agent inside and keep exactly one running. Once the agent has
 * started, the lifecycle commands `up` left after `waitFor` run in the
 * background, once per container start (never again on an agent restart).
 * Ends when the signal
 * aborts (SIGTERM: the agent is stopped, then the dev container) or, with an
 * `AgentError`, when the agent keeps dying.
 */
export async function agentCommand(ctx: CommandContext, policy: AgentPolicy = {}): Promise<void> {
  const { config, log, signal } = ctx;
  const delays = policy.restartDelaysMs ?? [1000, 2000, 5000, 10_000, 20_000, 30_000];
  const healthyAfterMs = policy.healthyAfterMs ?? 600_000;
  const { agentUrl, agentToken, initScript } = config;
  if (!agentUrl || !agentToken || !initScript) {
    throw new AgentError('The agent needs CODER_AGENT_URL, CODER_AGENT_TOKEN and CODER_INIT_SCRIPT.');
  }
  await inStep('wait-for-docker', () => waitForDocker({ log, dockerHost: config.dockerHost, timeoutMs: config.timeouts.dockerWaitMs, signal }));
  const configFile = await chosenConfigFile(config.workspaceFolder, config.devcontainer.configPath);

  let failures = 0;
  let lastLines: readonly string[] = [];
  let containerId: string | undefined;
  let agent: RunningAgent | undefined;
  let background: Background | undefined;
  // Stops the background run when `agent` ends for any reason (a crash loop
  // included), so no CLI outlives this process.
  const backgroundStop = new AbortController();
  try {
    while (!signal.aborted) {
      const target = await inStep('agent', () => ensureRunning(ctx, configFile), 'Could not find or start the dev container');
      containerId = target.containerId;
      if (target.plainExec && failures === 0) log.warn(`Starting the agent with plain docker exec: ${target.plainExec}`);
      if (!target.plainExec && failures === 2) log.warn('Starting the agent with plain docker exec (without the userEnvProbe environment) after two failed starts.');
      const agentStarted = performance.now();
      agent = await inStep('agent', () => startAgent({
        log,
        containerId: target.containerId,
        remoteUser: target.remoteUser,
        remoteWorkspaceFolder: target.remoteWorkspaceFolder,
        workspaceFolder: config.workspaceFolder,
        generation: target.generation,
        agentUrl,
        agentToken,
        initScript,
        // After two quick deaths, a broken devcontainer.json (edited in the
        // workspace) may be what stops `devcontainer exec`: use plain docker
        // exec so the user can still connect and fix it.
        viaDevcontainer: !target.plainExec && failures < 2,
        configFile,
        dockerHost: config.dockerHost,
        devcontainerBin: ctx.devcontainerBin,
        outputLog: ctx.consoleLog,
        signal,
      }), 'Could not start the Coder agent');
      // The agent does not wait for them; a restarted agent does not run them again.
      if (target.lifecycle && (background === undefined || (target.restarted && background.settled))) {
        background = inBackground(ctx, target, target.lifecycle, configFile, AbortSignal.any([signal, backgroundStop.signal]));
      }
      const ended = await untilExitOrAbort(agent, signal);
      if (ended === 'aborted') break;
      agent = undefined;
      const ranMs = Math.round(performance.now() - agentStarted);
      lastLines = ended.lastLines;
      if (ranMs >= healthyAfterMs) failures = 0;
      if (failures >= delays.length) {
        throw new AgentError(`The Coder agent kept exiting (last: ${ended.reason}; ${delays.length} restarts): giving up so Kubernetes restarts this container.`, { lastLines });
      }
      const delay = delays[failures]!;
      failures += 1;
      log.warn(`The Coder agent ${ended.reason} after ${formatDuration(ranMs)}; restart ${failures} of ${delays.length} in ${formatDuration(delay)}.`);
      for (const line of ended.lastLines.slice(-10)) log.warn(`  | ${line}`);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  } catch (error) {
    // A signal cancels whatever ran; that is a stop, not a failure.
    if (!signal.aborted) {
      backgroundStop.abort();
      await background?.stopped();
      throw error;
    }
  }
  await shutdown(ctx, agent, containerId, policy.stopTimeoutSeconds ?? 10, background);
}

/** A background lifecycle run. */
interface Background {
  settled: boolean;
  /** Wait for it to end after its signal aborted, at most {@link BACKGROUND_STOP_MS}. */
  stopped(): Promise<void>;
}

/** process.ts sends SIGTERM on abort and SIGKILL {@link FORCE_KILL_AFTER_MS} later; then the outcome is recorded. */
const BACKGROUND_STOP_MS = FORCE_KILL_AFTER_MS + 2000;

function inBackground(ctx: CommandContext, target: Target, lifecycle: PendingLifecycle, configFile: string | undefined, signal: AbortSignal): Background {
  const { config, log } = ctx;
  const background: Background = { settled: false, stopped: () => Promise.resolve() };
  const done = runBackgroundLifecycle({
    log, ...lifecycle, workspaceFolder: config.workspaceFolder, configFile, containerId: target.containerId, generation: target.generation,
    dockerHost: config.dockerHost, devcontainerBin: ctx.devcontainerBin, signal, timeoutMs: config.timeouts.upMs,
  })
    .then((result) => recordLifecycleRun(config.stateDir, config.workspaceFolder, target.containerId, { outcome: result.outcome, command: result.command }))
    .catch((error: unknown) => log.warn(`The background lifecycle run ended unexpectedly: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => {
      background.settled = true;
    });
  background.stopped = () => Promise.race([done, sleep(BACKGROUND_STOP_MS)]).then(() => undefined);
  return background;
}

interface Target {
  readonly containerId: string;
  readonly remoteUser: string;
  readonly remoteWorkspaceFolder: string;
  /** Its generation (whose id labels `devcontainer exec` is given). */
  readonly generation: number;
  /** Why `devcontainer exec` cannot reach the container (start with plain `docker exec`). @default - it can */
  readonly plainExec?: string;
  /** Lifecycle commands left after `waitFor` to run in the background. @default - none */
  readonly lifecycle?: PendingLifecycle;
  /** This call started the container (its start-time commands are due again). @default false */
  readonly restarted?: boolean;
}

/** What the state leaves to run in the background in `containerId`: only what no run has ended yet. */
function leftToRun(state: BuilderState | undefined, containerId: string): PendingLifecycle | undefined {
  const lifecycle = state?.lifecycle;
  if (!lifecycle || lifecycle.ran || lifecycle.pending.length === 0 || !sameId(state.containerId, containerId)) return undefined;
  return { waitFor: lifecycle.waitFor, pending: lifecycle.pending };
}

/**
 * Find the dev container by the id labels of the recorded generation (never
 * a replacement's stopped backup) and make sure it runs.
 */
async function ensureRunning(ctx: CommandContext, configFile: string | undefined): Promise<Target> {
  const { config, log, signal } = ctx;
  const target = { log, dockerHost: config.dockerHost, signal };
  const state: BuilderState | undefined = await readState(config.stateDir, config.workspaceFolder);
  const generation = state?.generation ?? 0;
  const ids = await containerIds(target, idLabelsFor(config.workspaceFolder, generation));
  if (ids.length === 0) {
    throw new AgentError(`No dev container with label ${idLabelsFor(config.workspaceFolder, generation).join(' and ')}: the "up" init container must run first (is the workspaces volume the same?).`);
  }
  const containerId = ids.find((id) => state?.containerId.startsWith(id)) ?? ids[0]!;
  const running = await isRunning(target, containerId);
  const start = () => startContainer(target, containerId);
  const recorded = { containerId, generation, remoteUser: state?.remoteUser ?? 'root', remoteWorkspaceFolder: state?.remoteWorkspaceFolder ?? config.workspaceFolder };
  // Neither a recovery container nor a kept container whose devcontainer.json
  // cannot be read is reachable with the CLI: plain docker start and exec.
  const plainExec = state?.fallback === true
    ? 'the recovery container has no usable dev container configuration.'
    : state?.degraded?.kind === 'configuration' ? 'devcontainer.json cannot be read (see the log of the last start).' : undefined;
  if (plainExec) {
    if (!running) await start();
    return { ...recorded, plainExec };
  }
  if (running && state) return { ...recorded, lifecycle: leftToRun(state, containerId) };

  // `devcontainer up` on an existing container starts it and runs the
  // start-time lifecycle commands (postStartCommand); it also tells us the
  // user. `--expect-existing-container` and no `--remove-existing-container`:
  // it may only start the container, never create or replace one. It stops
  // after `waitFor` too: the rest runs in the background.
  if (!running) log.info('The dev container is stopped (the Docker host restarted?): starting it again.');
  const noLockfile = !(await tracksLockfile(log, config.workspaceFolder, signal));
  const up = await runDevcontainerCli(log, upArgs({ workspaceFolder: config.workspaceFolder, configFile, generation, expectExisting: true, noLockfile, skipNonBlocking: true }), { bin: ctx.devcontainerBin, dockerHost: config.dockerHost, signal, timeoutMs: config.timeouts.upMs });
  if (up.result?.outcome === 'success') {
    const started = up.result.containerId;
    // A new start of the same container: its once-per-container commands are
    // due only if their background run never ended.
    const createTimeDone = state !== undefined && sameId(state.containerId, started) && (state.lifecycle === undefined || state.lifecycle.ran !== undefined);
    const lifecycle = await pendingLifecycle({ log, containerId: started, dockerHost: config.dockerHost, signal, createTimeDone });
    if (state && sameId(state.containerId, started)) {
      await writeState(config.stateDir, { ...state, lifecycle: { waitFor: lifecycle.waitFor, pending: lifecycle.pending } })
        .catch((error: unknown) => log.warn(`Could not record the pending lifecycle commands: ${error instanceof Error ? error.message : String(error)}`));
    }
    return {
      containerId: started, generation, remoteUser: up.result.remoteUser, remoteWorkspaceFolder: up.result.remoteWorkspaceFolder,
      lifecycle: lifecycle.pending.length > 0 ? lifecycle : undefined, restarted: true,
    };
  }
  const failure = describeFailure({ command: 'up', result: up.result, failedStep: up.failedStep, exitCode: up.exitCode });
  if (!state) throw new AgentError(`Could not start the dev container: ${failure.message}`, { lastLines: up.lastLines });
  // Keep the user able to connect and fix it: start the container as it is.
  log.error(`Could not start the dev container with its configuration: ${failure.message}`);
  for (const line of up.lastLines.slice(-10)) log.error(`  | ${line}`);
  const stillRunning = await isRunning(target, containerId);
  if (!stillRunning) await start();
  return { ...recorded, plainExec: 'the dev container did not start with its configuration; fix .devcontainer/ from inside the workspace.' };
}

async function untilExitOrAbort(agent: RunningAgent, signal: AbortSignal): Promise<'aborted' | AgentExit> {
  if (signal.aborted) return 'aborted';
  let onAbort: () => void = () => {};
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([agent.exited, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** SIGTERM: stop the agent, then the dev container, so nothing is lost. */
async function shutdown(ctx: CommandContext, agent: RunningAgent | undefined, containerId: string | undefined, stopTimeoutSeconds: number, background: Background | undefined): Promise<void> {
  const { config, log } = ctx;
  if (containerId === undefined) {
    log.info('Stopped before the dev container was found.');
    return;
  }
  log.info('Stopping: the Coder agent first, then the dev container.');
  // The signal already stopped a background lifecycle run: it ends (bounded) while the agent stops.
  await Promise.all([
    background?.stopped(),
    agent ? agent.stop() : stopLeftoverAgent({ log, containerId, dockerHost: config.dockerHost }).catch(() => undefined),
  ]);
  await stopContainer({ log, dockerHost: config.dockerHost }, containerId, stopTimeoutSeconds).catch((error: unknown) => log.warn(`docker stop failed: ${error instanceof Error ? error.message : String(error)}`));
  log.info('The dev container is stopped.');
}
