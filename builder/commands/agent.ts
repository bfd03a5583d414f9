import { setTimeout as sleep } from 'node:timers/promises';
import { AgentError } from '../errors.js';
import { inStep } from '../step-boundary.js';
import { formatDuration } from '../log/logger.js';
import { containerIds, isRunning, startContainer, stopContainer } from '../docker/client.js';
import { idLabelsFor, upArgs } from '../devcontainer/args.js';
import { chosenConfigFile } from '../devcontainer/config-choice.js';
import { describeFailure } from '../devcontainer/failure.js';
import { runDevcontainerCli } from '../devcontainer/run-cli.js';
import { tracksLockfile } from '../steps/lockfile.js';
import { startAgent, stopLeftoverAgent, type AgentExit, type RunningAgent } from '../steps/start-agent.js';
import { waitForDocker } from '../steps/wait-for-docker.js';
import type { CommandContext } from './context.js';
import { readState, type BuilderState } from './state.js';

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
 * the Coder agent inside and keep exactly one running. Ends when the signal
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
    if (!signal.aborted) throw error;
  }
  await shutdown(ctx, agent, containerId, policy.stopTimeoutSeconds ?? 10);
}

interface Target {
  readonly containerId: string;
  readonly remoteUser: string;
  readonly remoteWorkspaceFolder: string;
  /** Its generation (whose id labels `devcontainer exec` is given). */
  readonly generation: number;
  /** Why `devcontainer exec` cannot reach the container (start with plain `docker exec`). @default - it can */
  readonly plainExec?: string;
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
  if (running && state) return recorded;

  // `devcontainer up` on an existing container starts it and runs the
  // start-time lifecycle commands (postStartCommand); it also tells us the
  // user. `--expect-existing-container` and no `--remove-existing-container`:
  // it may only start the container, never create or replace one.
  if (!running) log.info('The dev container is stopped (the Docker host restarted?): starting it again.');
  const noLockfile = !(await tracksLockfile(log, config.workspaceFolder, signal));
  const up = await runDevcontainerCli(log, upArgs({ workspaceFolder: config.workspaceFolder, configFile, generation, expectExisting: true, noLockfile }), { bin: ctx.devcontainerBin, dockerHost: config.dockerHost, signal, timeoutMs: config.timeouts.upMs });
  if (up.result?.outcome === 'success') {
    return { containerId: up.result.containerId, generation, remoteUser: up.result.remoteUser, remoteWorkspaceFolder: up.result.remoteWorkspaceFolder };
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
async function shutdown(ctx: CommandContext, agent: RunningAgent | undefined, containerId: string | undefined, stopTimeoutSeconds: number): Promise<void> {
  const { config, log } = ctx;
  if (containerId === undefined) {
    log.info('Stopped before the dev container was found.');
    return;
  }
  log.info('Stopping: the Coder agent first, then the dev container.');
  if (agent) await agent.stop();
  else await stopLeftoverAgent({ log, containerId, dockerHost: config.dockerHost }).catch(() => undefined);
  await stopContainer({ log, dockerHost: config.dockerHost }, containerId, stopTimeoutSeconds).catch((error: unknown) => log.warn(`docker stop failed: ${error instanceof Error ? error.message : String(error)}`));
  log.info('The dev container is stopped.');
}
