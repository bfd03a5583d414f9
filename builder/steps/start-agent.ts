import { AgentError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ProcessError, run } from '../process.js';
import { docker, dockerEnv, execScript } from '../docker/client.js';
import { configArgs, idLabelArgs } from '../devcontainer/args.js';
import { agentBinaryUrl, coderArch, downloadAgentBinary } from './agent-binary.js';
import { AGENT_BIN_DIR, prepareContainerScript, profileSnippet } from './agent-env.js';
import { AGENT_BINARY_PATH, AGENT_PID_FILE, authTypeOf, cleanupDownloadsScript, launcherScript, stopLeftoverScript } from './agent-scripts.js';

/** What `startAgent` needs. */
export interface StartAgentOptions {
  readonly log: Logger;
  readonly containerId: string;
  readonly remoteUser: string;
  readonly remoteWorkspaceFolder: string;
  /**
   * The checkout on the Docker host; `devcontainer exec` finds the container
   * by its id labels. Also the folder the template's apps open
   * (`/workspaces/<repo>`): when `remoteWorkspaceFolder` differs, it becomes
   * a link to it inside the container.
   */
  readonly workspaceFolder: string;
  /** The container's generation, the second id label. @default 0 */
  readonly generation?: number;
  readonly agentUrl: string;
  /** A secret: reaches the agent through stdin and its environment only. */
  readonly agentToken: string;
  /** `CODER_INIT_SCRIPT`: downloads the agent and `exec`s `coder agent`. */
  readonly initScript: string;
  /**
   * Start through `devcontainer exec`, which gives the agent the environment a
   * terminal would have (userEnvProbe, remoteEnv). A recovery container has no
   * usable configuration, so it gets a plain `docker exec`.
   */
  readonly viaDevcontainer: boolean;
  /** The chosen devcontainer.json (absolute), for `devcontainer exec`. @default - the CLI's lookup */
  readonly configFile?: string;
  readonly dockerHost?: string;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
  /** Where the agent's own output goes. @default - `log` */
  readonly outputLog?: Logger;
  /**
   * Cancels the start (the download, every docker call): on SIGTERM the
   * pod's grace period is for stopping the dev container, not for finishing a start.
   * @default - not cancellable
   */
  readonly signal?: AbortSignal;
}

/** How the agent (or its exec client) ended. */
export interface AgentExit {
  readonly exitCode: number | undefined;
  /** Why, in words: an exit code, a signal, or a failure to start. */
  readonly reason: string;
  readonly lastLines: readonly string[];
}

/** A started agent. */
export interface RunningAgent {
  /** Resolves with the exit code when the agent (or the exec client) ends. */
  readonly exited: Promise<AgentExit>;
  /** Stop the agent inside the container and the exec client. Never throws. */
  stop(): Promise<void>;
}

/**
 * Start the Coder agent inside the dev container as its remote user, in the
 * workspace folder, after stopping an agent left from an earlier start, so
 * there is exactly one. Uses `CODER_INIT_SCRIPT` when the container can
 * download (curl, wget or busybox); otherwise downloads the binary here and
 * copies it in.
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const { log, containerId } = options;
  const target = { log, dockerHost: options.dockerHost, signal: options.signal };

  // Independent execs in parallel: each `docker exec` costs a round trip
  // through the engine, and on a restart they stood between the agent
  // container's start and the agent's. Only the download folders wait for
  // the leftover agent: its folder is in use until it stopped.
  const [, , canDownload] = await Promise.all([
    stopLeftoverAgent(options).then(() => removeOldDownloads(options)),
    prepareContainer(options),
    execScript(target, containerId, 'command -v curl || command -v wget || command -v busybox').then(() => true, () => false),
  ]);

  let script = options.initScript;
  if (!canDownload) {
    log.info('The dev container has no curl, wget or busybox: downloading the Coder agent here and copying it in.');
    const machine = (await docker(target, ['exec', containerId, 'uname', '-m'])).stdout;
    const arch = coderArch(machine);
    if (!arch) throw new AgentError(`The dev container's architecture "${machine.trim()}" has no Coder agent build.`);
    const binary = await downloadAgentBinary(log, agentBinaryUrl(options.agentUrl, arch), options.signal);
    try {
      // A folder copied to a path that does not exist yet is created there
      // (docker cp); its contents replace an earlier copy's.
      await docker(target, ['cp', `${binary.dir}/.`, `${containerId}:${AGENT_BIN_DIR}`]);
    } finally {
      await binary.remove();
    }
    script = `export CODER_AGENT_AUTH="${authTypeOf(options.initScript)}"\nexec ${AGENT_BINARY_PATH} agent\n`;
  }
  const launcher = launcherScript(AGENT_PID_FILE, { mode: options.viaDevcontainer ? 'save' : 'restore', binDir: canDownload ? undefined : AGENT_BIN_DIR });

  const agentEnv: Record<string, string> = {
    CODER_AGENT_URL: options.agentUrl,
    // The builder manages the dev container; the agent must not start its own.
    CODER_AGENT_DEVCONTAINERS_ENABLE: 'false',
  };
  const controller = new AbortController();
  const agentRun = {
    input: `${options.agentToken}\n${script}`,
    // The agent streams its own logs to Coder: its output belongs on stdout only.
    onLine: (line: string) => (options.outputLog ?? log).info(line),
  };
  log.info(`Starting the Coder agent in the dev container as ${options.remoteUser} in ${options.remoteWorkspaceFolder}`);
  const exited = (options.viaDevcontainer
    ? run(log, options.devcontainerBin ?? 'devcontainer', [
      // --container-id: exactly this container (devcontainers/cli src/spec-node/utils.ts, findContainerAndIdLabels).
      'exec', '--workspace-folder', options.workspaceFolder, ...configArgs(options.configFile), '--container-id', containerId, ...idLabelArgs(options.workspaceFolder, options.generation),
      ...Object.entries(agentEnv).flatMap(([k, v]) => ['--remote-env', `${k}=${v}`]),
      'sh', '-c', launcher,
    ], { ...agentRun, env: dockerEnv(options.dockerHost), signal: controller.signal })
    : docker({ log, dockerHost: options.dockerHost, signal: controller.signal }, [
      'exec', '-i', '-u', options.remoteUser, '-w', options.remoteWorkspaceFolder,
      ...Object.entries(agentEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      containerId, 'sh', '-c', launcher,
    ], { ...agentRun, timeoutMs: Number.POSITIVE_INFINITY })
  ).then(
    (r): AgentExit => ({ exitCode: r.exitCode, reason: `exited with code ${r.exitCode}`, lastLines: r.tail }),
    (error: unknown): AgentExit => ({
      exitCode: error instanceof ProcessError ? error.exitCode : undefined,
      reason: error instanceof Error ? error.message : String(error),
      lastLines: error instanceof ProcessError ? error.tail : [],
    }),
  );

  return {
    exited,
    async stop() {
      // Not with the start's signal: stopping comes after it aborted.
      await stopLeftoverAgent({ log, containerId, dockerHost: options.dockerHost }).catch((error: unknown) => log.warn(`Could not stop the Coder agent: ${String(error)}`));
      controller.abort();
      await exited;
    },
  };
}

/**
 * Stop an agent an earlier start left running in the container (exactly one
 * agent per dev container). Bounded to 20 s: the script itself gives the
 * agent 10 s, and on SIGTERM this runs inside the pod's grace period.
 */
export async function stopLeftoverAgent(options: Pick<StartAgentOptions, 'log' | 'containerId' | 'dockerHost' | 'signal'>): Promise<void> {
  await execScript(options, options.containerId, stopLeftoverScript(), { user: 'root', onLine: 'log', timeoutMs: 20_000 });
}

/** Remove the agent download folders earlier starts left in the container's /tmp; never fails the start. */
async function removeOldDownloads(options: Pick<StartAgentOptions, 'log' | 'containerId' | 'remoteUser' | 'dockerHost' | 'signal'>): Promise<void> {
  const { log } = options;
  const removed = await execScript(options, options.containerId, cleanupDownloadsScript(), { user: options.remoteUser }).then((r) => Number(r.stdout.trim().split('\n').pop()), (error: unknown) => {
    log.debug(`Could not clean the Coder agent's old download folders: ${error instanceof Error ? error.message : String(error)}`);
    return 0;
  });
  if (removed > 0) log.info(`Removed ${removed} Coder agent download folder${removed === 1 ? '' : 's'} (/tmp/coder.*) of earlier starts.`);
}

/**
 * As root: the login shell PATH snippet, and the link from the folder the
 * template's apps open to the real workspace folder. Never fails the start.
 */
async function prepareContainer(options: Pick<StartAgentOptions, 'log' | 'containerId' | 'dockerHost' | 'remoteWorkspaceFolder' | 'workspaceFolder' | 'signal'>): Promise<void> {
  const { log } = options;
  const script = prepareContainerScript(options.remoteWorkspaceFolder, options.workspaceFolder);
  const out = await execScript(options, options.containerId, script, { user: 'root', args: [profileSnippet()] }).then((r) => r.stdout, (error: unknown) => {
    log.warn(`Could not prepare the dev container for the agent: ${error instanceof Error ? error.message : String(error)}`);
    return '';
  });
  for (const line of out.split('\n')) {
    if (line.startsWith('warn: ')) log.warn(line.slice(6));
    else if (line.startsWith('linked: ')) log.info(`The workspace folder is ${options.remoteWorkspaceFolder}; ${line.slice(8)} so the apps open it.`);
  }
}
