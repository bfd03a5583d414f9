import path from 'node:path';
import { ConfigError } from './errors.js';
import { parseBranchName } from './git/ref-name.js';
import { coversHost, knownHostsAdvice, knownHostsName, missingKnownHostsProblem, parseKnownHosts, splitHostPort } from './git/known-hosts.js';
import { parseRepoUrl } from './git/repo-url.js';
import { loadDevcontainerSettings, type DevcontainerSettings } from './devcontainer/settings.js';

/** The builder's sub-commands; each needs a different set of variables. */
export type BuilderCommand = 'up' | 'agent' | 'run';

/** Every setting of one builder run, validated and with defaults resolved. */
export interface BuilderConfig {
  readonly command: BuilderCommand;
  /** `CODER_AGENT_URL`. Required for `up` and `agent`; for `run` set together with the token or not at all. */
  readonly agentUrl?: string;
  /** `CODER_AGENT_TOKEN`, a secret. */
  readonly agentToken?: string;
  /** `CODER_INIT_SCRIPT`. Required for `agent`, and for `run` when the agent variables are set. */
  readonly initScript?: string;
  /** `DEVCONTAINER_REPOSITORY`: an https or ssh git URL without a password. */
  readonly repository: string;
  /** `DEVCONTAINER_BRANCH`. @default - the remote's default branch */
  readonly branch?: string;
  /** `DEVCONTAINER_CACHE_FROM`, comma-separated; an empty value means no cache. @default ['ghcr.io/vgijssel/setup/devcontainer-cache'] */
  readonly cacheFrom: readonly string[];
  /** `DEVCONTAINER_CACHE_TO`. @default - no cache export */
  readonly cacheTo?: string;
  /** `DEVCONTAINER_WORKSPACES_ROOT`, an absolute path. @default '/workspaces' */
  readonly workspacesRoot: string;
  /** `DEVCONTAINER_WORKSPACE_FOLDER`, an absolute path. @default - `${workspacesRoot}/${repository name}` */
  readonly workspaceFolder: string;
  /** Builder state kept across restarts: always `${workspacesRoot}/.devcontainer-builder`. */
  readonly stateDir: string;
  /** `DEVCONTAINER_REBUILD`: true/false, 1/0, yes/no (any case). @default false */
  readonly rebuild: boolean;
  /** `DEVCONTAINER_FALLBACK_IMAGE`. @default - no recovery container */
  readonly fallbackImage?: string;
  /**
   * `DEVCONTAINER_SSH_KNOWN_HOSTS`: known_hosts lines, the only host keys ssh
   * accepts for an ssh repository URL. Required for `up` and `run` with an ssh
   * URL and the agent variables (unless `GIT_SSH_COMMAND` is set).
   * @default - without Coder, the user's own known_hosts
   */
  readonly sshKnownHosts?: string;
  /** `GH_TOKEN`, else `GITHUB_TOKEN`, a secret. @default - git asks no credentials */
  readonly githubToken?: string;
  /** `DEVCONTAINER_CLONE_CREDENTIAL_DIR`: a mounted basic-auth Secret, used only without a token (builder/git/clone-credential.ts). @default - none */
  readonly cloneCredentialDir?: string;
  /** `DOCKER_HOST` (`unix://`, `tcp://` or `ssh://`). @default - the Docker CLI's default socket */
  readonly dockerHost?: string;
  /**
   * `DEVCONTAINER_DOCKER_WAIT_SECONDS` (default 120), `DEVCONTAINER_CLONE_TIMEOUT_SECONDS`
   * (default 600), `DEVCONTAINER_UP_TIMEOUT_SECONDS` (default 3600), in milliseconds here.
   */
  readonly timeouts: { readonly dockerWaitMs: number; readonly cloneMs: number; readonly upMs: number };
  /** `DEVCONTAINER_LOG_BUDGET_BYTES`: what the builder may send to Coder. @default 524288 */
  readonly logBudgetBytes: number;
  /**
   * `DOCKER_CONFIG`: the registry credentials (the template's read-only
   * Secret mount). Only the builder's own `docker push` of the cache image
   * gets it; no child that runs repository code does. @default - none
   */
  readonly dockerConfig?: string;
  /** `DEVCONTAINER_CONFIG`, the workspace's capacity and GPU availability (builder/devcontainer/settings.ts). */
  readonly devcontainer: DevcontainerSettings;
  /** Every secret value present (agent token, GitHub tokens), for masking. */
  readonly secrets: readonly string[];
}

/** Used when `DEVCONTAINER_CACHE_FROM` is not set at all. */
export const DEFAULT_CACHE_FROM = 'ghcr.io/vgijssel/setup/devcontainer-cache';

// Coder stores at most 1 MiB of logs per agent (coder/coder coderd/workspaceagents.go).
const CODER_LOG_LIMIT_BYTES = 1_048_576;
const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
// A Docker image reference: lower-case name components, optional registry port, tag and digest.
const IMAGE_REF = /^(?:(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?\/|[A-Za-z0-9-]+:\d+\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * Read and validate the builder's environment once. Every problem is
 * collected and thrown as one `ConfigError` naming the variables, what is
 * wrong and how to fix it; secret values are never quoted.
 */
export function loadConfig(command: BuilderCommand, env: NodeJS.ProcessEnv = process.env): BuilderConfig {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const agentUrl = get('CODER_AGENT_URL');
  const agentToken = get('CODER_AGENT_TOKEN');
  const initScript = get('CODER_INIT_SCRIPT');
  const agentWanted = command !== 'run' || agentUrl !== undefined || agentToken !== undefined;
  if (command === 'run' && (agentUrl === undefined) !== (agentToken === undefined)) {
    const [set, unset] = agentUrl === undefined ? ['CODER_AGENT_TOKEN', 'CODER_AGENT_URL'] : ['CODER_AGENT_URL', 'CODER_AGENT_TOKEN'];
    problems.push(`${unset} is not set but ${set} is: set both to stream logs to Coder and start the agent, or neither to only build the dev container.`);
  } else if (agentWanted) {
    if (agentUrl === undefined) problems.push(`CODER_AGENT_URL is not set: \`${command}\` needs the Coder access URL (the template passes it from coder_agent).`);
    if (agentToken === undefined) problems.push(`CODER_AGENT_TOKEN is not set: \`${command}\` needs the agent token (the template passes coder_agent.main.token).`);
  }
  if (agentUrl !== undefined && !isHttpUrl(agentUrl)) problems.push(`CODER_AGENT_URL is not an http(s) URL (got "${agentUrl}"): use the Coder access URL, e.g. https://coder.example.com/.`);
  if (agentToken !== undefined && /\s/.test(agentToken)) problems.push('CODER_AGENT_TOKEN contains whitespace: pass the token exactly as Coder issued it.');
  if (initScript === undefined && (command === 'agent' || (command === 'run' && agentUrl !== undefined && agentToken !== undefined))) {
    problems.push(`CODER_INIT_SCRIPT is not set: \`${command}\` needs it to start the agent (the template passes coder_agent.main.init_script).`);
  }

  const repository = get('DEVCONTAINER_REPOSITORY');
  let repoName: string | undefined;
  let sshHost: { host: string; port?: number } | undefined;
  if (repository === undefined) {
    problems.push('DEVCONTAINER_REPOSITORY is not set: give the git URL of the repository to build, e.g. https://github.com/owner/repo.git.');
  } else {
    const parsed = parseRepoUrl(repository);
    if (typeof parsed === 'string') problems.push(`DEVCONTAINER_REPOSITORY ${parsed}.`);
    else if (parsed.hasPassword) problems.push('DEVCONTAINER_REPOSITORY contains a password: remove it from the URL and pass the token in GH_TOKEN instead.');
    else if (parsed.transport === 'http' && hasUserInfo(repository)) problems.push('DEVCONTAINER_REPOSITORY has a user name in its https URL (a token put there would reach git\'s command line and .git/config): remove the "user@" part and pass a token in GH_TOKEN instead.');
    else repoName = parsed.name;
    if (typeof parsed !== 'string' && parsed.transport === 'ssh') sshHost = splitHostPort(parsed.host);
  }

  const sshKnownHosts = get('DEVCONTAINER_SSH_KNOWN_HOSTS');
  checkKnownHosts(sshKnownHosts, sshHost, {
    required: command !== 'agent' && agentUrl !== undefined && agentToken !== undefined && get('GIT_SSH_COMMAND') === undefined,
  }, problems);

  const rawBranch = get('DEVCONTAINER_BRANCH');
  let branch: string | undefined;
  if (rawBranch !== undefined) {
    const parsed = parseBranchName(rawBranch);
    if ('problem' in parsed) problems.push(`DEVCONTAINER_BRANCH "${rawBranch}" ${parsed.problem}: give a valid branch name, or leave it empty for the default branch.`);
    else branch = parsed.branch;
  }

  const cacheFromRaw = env.DEVCONTAINER_CACHE_FROM;
  const cacheFrom = cacheFromRaw === undefined ? [DEFAULT_CACHE_FROM] : cacheFromRaw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const image of cacheFrom) checkImage('DEVCONTAINER_CACHE_FROM', image, problems);
  const cacheTo = get('DEVCONTAINER_CACHE_TO');
  if (cacheTo !== undefined) checkImage('DEVCONTAINER_CACHE_TO', cacheTo, problems);
  const fallbackImage = get('DEVCONTAINER_FALLBACK_IMAGE');
  if (fallbackImage !== undefined) checkImage('DEVCONTAINER_FALLBACK_IMAGE', fallbackImage, problems);

  const rootValue = get('DEVCONTAINER_WORKSPACES_ROOT') ?? '/workspaces';
  const workspacesRoot = absolutePath('DEVCONTAINER_WORKSPACES_ROOT', rootValue, problems) ?? rootValue;
  const stateDir = path.join(workspacesRoot, '.devcontainer-builder');
  const folderOverride = get('DEVCONTAINER_WORKSPACE_FOLDER');
  const folderChecked = folderOverride === undefined ? undefined : absolutePath('DEVCONTAINER_WORKSPACE_FOLDER', folderOverride, problems);
  const workspaceFolder = folderChecked ?? folderOverride ?? path.join(workspacesRoot, repoName ?? 'repository');
  if (folderChecked !== undefined) {
    const inside = (dir: string, sub: string) => !path.relative(dir, sub).startsWith('..');
    if (inside(workspaceFolder, stateDir) || inside(stateDir, workspaceFolder)) problems.push(`DEVCONTAINER_WORKSPACE_FOLDER "${folderOverride}" overlaps the builder's state directory ${stateDir}: use a sub-folder of ${workspacesRoot}, e.g. ${path.join(workspacesRoot, repoName ?? 'repo')}.`);
  }

  const rebuild = parseBoolean('DEVCONTAINER_REBUILD', get('DEVCONTAINER_REBUILD'), problems);

  const ghToken = get('GH_TOKEN');
  const githubAltToken = get('GITHUB_TOKEN');
  const githubToken = ghToken ?? githubAltToken;
  const tokenName = ghToken !== undefined ? 'GH_TOKEN' : 'GITHUB_TOKEN';
  if (githubToken !== undefined && /\s/.test(githubToken)) problems.push(`${tokenName} contains whitespace or a line break: pass the bare token.`);

  const dockerHost = get('DOCKER_HOST');
  if (dockerHost !== undefined && !/^(unix:\/\/\/.+|tcp:\/\/[^/\s]+\/?|ssh:\/\/[^/\s]+\/?)$/.test(dockerHost)) {
    problems.push(`DOCKER_HOST "${dockerHost}" is not a Docker endpoint: use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host.`);
  }

  const seconds = (name: string, fallback: number) => positiveInteger(name, get(name), fallback, 1, MAX_TIMEOUT_SECONDS, problems) * 1000;
  const timeouts = {
    dockerWaitMs: seconds('DEVCONTAINER_DOCKER_WAIT_SECONDS', 120),
    cloneMs: seconds('DEVCONTAINER_CLONE_TIMEOUT_SECONDS', 600),
    upMs: seconds('DEVCONTAINER_UP_TIMEOUT_SECONDS', 3600),
  };
  const logBudgetBytes = positiveInteger('DEVCONTAINER_LOG_BUDGET_BYTES', get('DEVCONTAINER_LOG_BUDGET_BYTES'), CODER_LOG_LIMIT_BYTES / 2, 4096, CODER_LOG_LIMIT_BYTES, problems);

  const dockerConfig = get('DOCKER_CONFIG');
  const devcontainer = loadDevcontainerSettings(get, problems);
  const credentialDir = get('DEVCONTAINER_CLONE_CREDENTIAL_DIR');
  const cloneCredentialDir = credentialDir === undefined ? undefined : absolutePath('DEVCONTAINER_CLONE_CREDENTIAL_DIR', credentialDir, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  const secrets = [...new Set([agentToken, ghToken, githubAltToken].filter((s): s is string => s !== undefined))];
  return {
    command, agentUrl, agentToken, initScript,
    repository: repository as string, branch, cacheFrom, cacheTo,
    workspacesRoot, workspaceFolder, stateDir, rebuild, fallbackImage, sshKnownHosts, githubToken, dockerHost,
    timeouts, logBudgetBytes, dockerConfig, devcontainer, secrets, cloneCredentialDir,
  };
}

/** DEVCONTAINER_SSH_KNOWN_HOSTS: well-formed, and naming the repository's host when it is an ssh URL. */
function checkKnownHosts(value: string | undefined, ssh: { host: string; port?: number } | undefined, o: { required: boolean }, problems: string[]): void {
  if (value === undefined) {
    if (ssh !== undefined && o.required) problems.push(missingKnownHostsProblem(ssh.host, ssh.port));
    return;
  }
  const parsed = parseKnownHosts(value);
  if (parsed.problems.length > 0) {
    problems.push(`DEVCONTAINER_SSH_KNOWN_HOSTS is not a known_hosts text: ${parsed.problems.join('; ')}. Give one "host key-type base64-key" line per key, as ssh-keyscan prints them.`);
  } else if (parsed.lines.length === 0) {
    problems.push('DEVCONTAINER_SSH_KNOWN_HOSTS has no key lines (only comments or blank lines): give the lines ssh-keyscan prints, or leave it empty.');
  } else if (ssh !== undefined && !coversHost(parsed.lines, ssh.host, ssh.port)) {
    problems.push(`DEVCONTAINER_SSH_KNOWN_HOSTS has no line for ${knownHostsName(ssh.host, ssh.port)}, the host of DEVCONTAINER_REPOSITORY, so ssh would refuse it. ${knownHostsAdvice(ssh.host, ssh.port)}`);
  }
}

/** An http(s) URL naming a user: a token used as the user name is as secret as a password. */
function hasUserInfo(value: string): boolean {
  try {
    return new URL(value.trim()).username !== '';
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.host !== '';
  } catch {
    return false;
  }
}

function checkImage(name: string, image: string, problems: string[]): void {
  if (!IMAGE_REF.test(image)) problems.push(`${name} entry "${image}" is not an image reference: use registry/repository[:tag] in lower case, e.g. ghcr.io/owner/cache.`);
}

/** The normalized path, or undefined after recording why it is unusable. */
function absolutePath(name: string, value: string, problems: string[]): string | undefined {
  if (!path.isAbsolute(value)) {
    problems.push(`${name} "${value}" is not an absolute path: use a path starting with "/".`);
    return undefined;
  }
  const normalized = path.resolve(value);
  if (normalized !== '/') return normalized;
  problems.push(`${name} is "/": use a dedicated folder such as /workspaces.`);
  return undefined;
}

function parseBoolean(name: string, value: string | undefined, problems: string[]): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  problems.push(`${name} "${value}" is not a boolean: use true or false (1/0 and yes/no work too).`);
  return false;
}

function positiveInteger(name: string, value: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
  problems.push(`${name} "${value}" is not a whole number from ${min} to ${max}: leave it unset for the default ${fallback}.`);
  return fallback;
}
