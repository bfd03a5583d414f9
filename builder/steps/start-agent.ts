import { AgentError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ProcessError, run } from '../process.js';
import { idLabelArgs } from '../devcontainer/args.js';
import { agentBinaryUrl, coderArch, downloadAgentBinary } from './agent-binary.js';
import { AGENT_BIN_DIR, environmentLines, prepareContainerScript, profileSnippet } from './agent-env.js';

/**
 * Where the running agent's pid and start time are kept, inside the dev
 * container (`<pid> <starttime>`; starttime is field 22 of /proc/<pid>/stat).
 */
export const AGENT_PID_FILE = '/tmp/.devcontainer-builder-agent.pid';
/**
 * Where a downloaded agent binary is copied into the dev container: named
 * `coder`, in a folder of its own that the agent's PATH includes, so
 * `coder stat`, coder-login and `coder exp mcp` find it (issue 11.7).
 */
export const AGENT_BINARY_PATH = `${AGENT_BIN_DIR}/coder`;

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
  readonly dockerHost?: string;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
  /** Where the agent's own output goes. @default - `log` */
  readonly outputLog?: Logger;
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

// Runs in the container as the remote user. The token is the first stdin
// line (never argv); the rest of stdin is the script that execs the agent,
// so this shell's pid becomes the agent's pid. Only shell built-ins: the
// image may have nothing else. Before the token is read, the environment
// lines save (devcontainer exec) or load (docker exec) the remote
// environment (builder/steps/agent-env.ts).
/** The in-container launcher (`sh -c`), with its pid file. */
export function launcherScript(pidFile = AGENT_PID_FILE, env: { mode: 'save' | 'restore'; envFile?: string; binDir?: string } = { mode: 'save' }): string {
  return [
    ...environmentLines(env.mode, env),
    'IFS= read -r CODER_AGENT_TOKEN || exit 97',
    'export CODER_AGENT_TOKEN',
    'read -r stat < /proc/$$/stat; set -- $stat',
    `echo "$$ \${22}" > ${pidFile} || exit 98`,
    'exec sh -s',
  ].join('\n');
}

// Runs in the container as root. Kills the agent named in the pid file only
// if that pid still has the recorded start time: pids are reused after the
// dev container restarts. (/proc/<pid>/stat is readable without
// CAP_SYS_PTRACE, unlike another user's /proc/<pid>/environ.)
/** The in-container script (`sh -c`, as root) that stops a leftover agent. */
export function stopLeftoverScript(pidFile = AGENT_PID_FILE): string {
  return [
    `f=${pidFile}`,
    '[ -f "$f" ] || exit 0',
    'read -r pid started < "$f"',
    'rm -f "$f"',
    'case "$pid" in ""|*[!0-9]*) exit 0;; esac',
    'read -r stat < "/proc/$pid/stat" 2>/dev/null || exit 0',
    'set -- $stat',
    '[ "${22}" = "$started" ] || exit 0',
    'echo "Stopping the Coder agent started earlier (pid $pid)"',
    'kill -TERM "$pid" 2>/dev/null || exit 0',
    'i=0; while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 10 ]; do sleep 1; i=$((i+1)); done',
    'kill -KILL "$pid" 2>/dev/null || true',
  ].join('\n');
}

// Runs in the container as the remote user (who owns the folders, and may
// look at the cwd and exe of their own processes without CAP_SYS_PTRACE).
// Coder's init script makes `mktemp -d -t coder.XXXXXX` on every start and
// runs the agent from it (coder/coder provisionersdk/scripts/bootstrap_linux.sh):
// in a container that persists they pile up, ~100 MB each. A folder that is
// some process's cwd or holds its executable is in use and stays.
/** The in-container script (`sh -c`) that removes the agent download folders of earlier starts; prints how many. */
export function cleanupDownloadsScript(tmp = '/tmp'): string {
  return [
    'n=0',
    `for d in ${tmp}/coder.??????; do`,
    '  [ -d "$d" ] && [ ! -L "$d" ] || continue',
    '  busy=',
    '  for p in /proc/[0-9]*; do',
    '    if [ "$p/cwd" -ef "$d" ] || [ "$p/exe" -ef "$d/coder" ]; then busy=1; break; fi',
    '  done',
    '  [ -z "$busy" ] || continue',
    '  rm -rf -- "$d" && n=$((n+1))',
    'done',
    'echo "$n"',
  ].join('\n');
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
  const env = options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined;
  const docker = (args: string[]) => run(log, 'docker', args, { env, timeoutMs: 60_000, onLine: 'quiet' });

  await stopLeftoverAgent(options);
  await removeOldDownloads(options);
  await prepareContainer(options);

  let script = options.initScript;
  const canDownload = await docker(['exec', containerId, 'sh', '-c', 'command -v curl || command -v wget || command -v busybox'])
    .then(() => true, () => false);
  if (!canDownload) {
    log.info('The dev container has no curl, wget or busybox: downloading the Coder agent here and copying it in.');
    const machine = (await docker(['exec', containerId, 'uname', '-m'])).stdout;
    const arch = coderArch(machine);
    if (!arch) throw new AgentError(`The dev container's architecture "${machine.trim()}" has no Coder agent build.`);
    const binary = await downloadAgentBinary(log, agentBinaryUrl(options.agentUrl, arch));
    try {
      // A folder copied to a path that does not exist yet is created there
      // (docker cp); its contents replace an earlier copy's.
      await docker(['cp', `${binary.dir}/.`, `${containerId}:${AGENT_BIN_DIR}`]);
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
  const [file, args] = options.viaDevcontainer
    ? [options.devcontainerBin ?? 'devcontainer', [
      // --container-id: exactly this container (devcontainers/cli src/spec-node/utils.ts, findContainerAndIdLabels).
      'exec', '--workspace-folder', options.workspaceFolder, '--container-id', containerId, ...idLabelArgs(options.workspaceFolder, options.generation),
      ...Object.entries(agentEnv).flatMap(([k, v]) => ['--remote-env', `${k}=${v}`]),
      'sh', '-c', launcher,
    ]] as const
    : ['docker', [
      'exec', '-i', '-u', options.remoteUser, '-w', options.remoteWorkspaceFolder,
      ...Object.entries(agentEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      containerId, 'sh', '-c', launcher,
    ]] as const;

  const controller = new AbortController();
  log.info(`Starting the Coder agent in the dev container as ${options.remoteUser} in ${options.remoteWorkspaceFolder}`);
  const exited = run(log, file, args, {
    env,
    input: `${options.agentToken}\n${script}`,
    signal: controller.signal,
    // The agent streams its own logs to Coder: its output belongs on stdout only.
    onLine: (line) => (options.outputLog ?? log).info(line),
  }).then(
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
      await stopLeftoverAgent(options).catch((error: unknown) => log.warn(`Could not stop the Coder agent: ${String(error)}`));
      controller.abort();
      await exited;
    },
  };
}

/** Stop an agent an earlier start left running in the container (exactly one agent per dev container). */
export async function stopLeftoverAgent(options: Pick<StartAgentOptions, 'log' | 'containerId' | 'dockerHost'>): Promise<void> {
  await run(options.log, 'docker', ['exec', '-u', 'root', options.containerId, 'sh', '-c', stopLeftoverScript()], {
    env: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined,
    timeoutMs: 60_000,
  });
}

/** Remove the agent download folders earlier starts left in the container's /tmp; never fails the start. */
async function removeOldDownloads(options: Pick<StartAgentOptions, 'log' | 'containerId' | 'remoteUser' | 'dockerHost'>): Promise<void> {
  const { log } = options;
  const removed = await run(log, 'docker', ['exec', '-u', options.remoteUser, options.containerId, 'sh', '-c', cleanupDownloadsScript()], {
    env: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined,
    timeoutMs: 60_000,
    onLine: 'quiet',
  }).then((r) => Number(r.stdout.trim().split('\n').pop()), (error: unknown) => {
    log.debug(`Could not clean the Coder agent's old download folders: ${error instanceof Error ? error.message : String(error)}`);
    return 0;
  });
  if (removed > 0) log.info(`Removed ${removed} Coder agent download folder${removed === 1 ? '' : 's'} (/tmp/coder.*) of earlier starts.`);
}

/**
 * As root: the login shell PATH snippet, and the link from the folder the
 * template's apps open to the real workspace folder. Never fails the start.
 */
async function prepareContainer(options: Pick<StartAgentOptions, 'log' | 'containerId' | 'dockerHost' | 'remoteWorkspaceFolder' | 'workspaceFolder'>): Promise<void> {
  const { log } = options;
  const script = prepareContainerScript(options.remoteWorkspaceFolder, options.workspaceFolder);
  const out = await run(log, 'docker', ['exec', '-u', 'root', options.containerId, 'sh', '-c', script, 'sh', profileSnippet()], {
    env: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined,
    timeoutMs: 60_000,
    onLine: 'quiet',
  }).then((r) => r.stdout, (error: unknown) => {
    log.warn(`Could not prepare the dev container for the agent: ${error instanceof Error ? error.message : String(error)}`);
    return '';
  });
  for (const line of out.split('\n')) {
    if (line.startsWith('warn: ')) log.warn(line.slice(6));
    else if (line.startsWith('linked: ')) log.info(`The workspace folder is ${options.remoteWorkspaceFolder}; ${line.slice(8)} so the apps open it.`);
  }
}

/** The `CODER_AGENT_AUTH` the init script sets (`token` unless it says otherwise). */
export function authTypeOf(initScript: string): string {
  return /CODER_AGENT_AUTH="?([\w-]+)"?/.exec(initScript)?.[1] ?? 'token';
}
