import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { run, type RunOptions, type RunResult } from '../process.js';
import { parseRepoUrl } from './repo-url.js';
import { sshCommand } from './ssh-key.js';

/** How every git command of one checkout runs. */
export interface GitRunnerOptions {
  readonly log: Logger;
  /** The repository being checked out: the GitHub token is offered to its origin only. */
  readonly repository: string;
  /** Sent as the password of HTTP Basic auth, through the environment only. @default - no credentials */
  readonly githubToken?: string;
  /** The user name sent with it. @default {@link TOKEN_USERNAME} */
  readonly tokenUsername?: string;
  /** The checkout folder: trusted as `safe.directory`, and git never searches above it for a repository. */
  readonly folder: string;
  /** `folder` with symbolic links resolved: git checks ownership against the real path. @default - same as folder */
  readonly realFolder?: string;
  /**
   * Submodule work trees, relative to `folder`: trusted as `safe.directory`
   * too (git checks each work tree's owner; 2.39 has no `dir/*` wildcard).
   * @default - none
   */
  readonly safeSubfolders?: readonly string[];
  /** GIT_SSH_COMMAND for ssh remotes (`builder/git/ssh-key.ts`). @default - the builder's own GIT_SSH_COMMAND, else the user's ssh with accept-new */
  readonly sshCommand?: string;
  readonly signal?: AbortSignal;
}

/** Runs `git <args>` with the checkout's environment; same options and errors as `run`. */
export type Git = (args: readonly string[], options?: Omit<RunOptions, 'env' | 'signal'>) => Promise<RunResult>;

/** The environment variable the credential helper reads the token from. */
export const TOKEN_ENV = 'DEVCONTAINER_BUILDER_GIT_TOKEN';

/** The environment variable the credential helper reads the user name from. */
export const TOKEN_USER_ENV = 'DEVCONTAINER_BUILDER_GIT_USER';

/** User name sent with the token; GitHub accepts a token with any user name, this one is what GitHub documents for tokens. */
export const TOKEN_USERNAME = 'x-access-token';

// A credential helper run by git's shell: it prints the token from the
// environment, so neither argv, nor the helper text, nor .git/config holds it.
const CREDENTIAL_HELPER = `!f() { test "$1" = get || exit 0; echo "username=$${TOKEN_USER_ENV}"; echo "password=$${TOKEN_ENV}"; }; f`;

/**
 * The environment for git: no prompts, English messages (errors are
 * classified by text), and configuration passed as command-line scope
 * (`GIT_CONFIG_COUNT`), which never lands in `.git/config` and which git
 * trusts for `safe.directory`.
 */
export function gitEnvironment(options: Omit<GitRunnerOptions, 'log' | 'signal'>, timeoutMs?: number): Record<string, string | undefined> {
  const config: [string, string][] = [
    // The builder runs as root; the checkout later belongs to the dev container's user.
    ['safe.directory', options.folder],
    ...(options.realFolder !== undefined && options.realFolder !== options.folder ? [['safe.directory', options.realFolder] as [string, string]] : []),
    ...(options.safeSubfolders ?? []).flatMap((sub) => [...new Set([options.folder, options.realFolder ?? options.folder])].map((root) => ['safe.directory', path.join(root, sub)] as [string, string])),
    // Never run the repository's hooks or fsmonitor as root inside the builder.
    ['core.hooksPath', '/dev/null'],
    ['core.fsmonitor', 'false'],
    // Abort a transfer that stalls below 1 KiB/s. Killing git on timeout does
    // not stop its git-remote-http child, which keeps the output pipes (and so
    // the builder's wait) open until curl gives up: keep that within the timeout.
    ['http.lowSpeedLimit', '1024'],
    ['http.lowSpeedTime', String(Math.min(60, Math.max(1, Math.ceil((timeoutMs ?? 60_000) / 1000))))],
  ];
  const parsed = parseRepoUrl(options.repository);
  const origin = typeof parsed === 'string' ? undefined : parsed.origin;
  if (options.githubToken !== undefined && origin !== undefined) {
    // The empty value drops every helper from system and global config (a
    // `store` helper would write the token to disk); ours applies to this origin only.
    config.push(['credential.helper', ''], [`credential.${origin}.helper`, CREDENTIAL_HELPER]);
  }
  const env: Record<string, string | undefined> = {
    GIT_TERMINAL_PROMPT: '0',
    // `git status` must not refresh the index as root: what the builder only reads stays untouched.
    GIT_OPTIONAL_LOCKS: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
    LANGUAGE: undefined,
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_INDEX_FILE: undefined,
    GIT_CONFIG_PARAMETERS: undefined,
    GIT_CEILING_DIRECTORIES: path.dirname(options.folder),
    // SSH remotes: fail instead of prompting. In a workspace the command uses
    // the Coder key and DEVCONTAINER_SSH_KNOWN_HOSTS (ssh-key.ts); without
    // Coder it is the user's own ssh, trusting a new host on first use.
    GIT_SSH_COMMAND: options.sshCommand ?? process.env.GIT_SSH_COMMAND ?? sshCommand({}),
    [TOKEN_ENV]: options.githubToken,
    [TOKEN_USER_ENV]: options.githubToken === undefined ? undefined : options.tokenUsername ?? TOKEN_USERNAME,
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** A `Git` bound to one checkout: every call gets the same environment. */
export function createGit(options: GitRunnerOptions): Git {
  return (args, runOptions = {}) => run(options.log, 'git', args, {
    stderrLevel: 'info', ...runOptions, env: gitEnvironment(options, runOptions.timeoutMs), signal: options.signal,
  });
}
