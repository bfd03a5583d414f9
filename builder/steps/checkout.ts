import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CheckoutError, isBuilderError } from '../errors.js';
import { formatDuration, type Logger } from '../log/logger.js';
import { ProcessError } from '../process.js';
import { cloneRepository } from '../git/clone.js';
import { inspectFolder, removePartialClones } from '../git/folder-state.js';
import { readCloneCredential, type GitCredential } from '../git/clone-credential.js';
import { createGit, TOKEN_USERNAME } from '../git/git-runner.js';
import { adoptStaged, stagedFolders, stageForKeeping, unstage } from '../git/kept-folder.js';
import { restoreOwnership } from '../git/ownership.js';
import { parseRepoUrl, redactUrl } from '../git/repo-url.js';
import { reuseCheckout } from '../git/reuse.js';
import { updateSubmodules } from '../git/submodules.js';
import { openSshSession, type SshSession, type SshSettings } from '../git/ssh-key.js';

/** What `checkout` needs. */
export interface CheckoutContext {
  readonly log: Logger;
  /** https or ssh git URL, without credentials. */
  readonly repository: string;
  /** @default - the remote's default branch (on a fresh clone; an existing checkout keeps its branch) */
  readonly branch?: string;
  /** Absolute path of the checkout. */
  readonly folder: string;
  /** Offered to the repository's https origin through a credential helper reading the environment. @default - no credentials */
  readonly githubToken?: string;
  /**
   * The mounted clone credential Secret (`DEVCONTAINER_CLONE_CREDENTIAL_DIR`),
   * used for an https repository only when there is no `githubToken`.
   * @default - none
   */
  readonly cloneCredentialDir?: string;
  /** Bound for the whole step, retries included. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Pauses before retrying a clone after a network failure; the length bounds the retries. @default [2000, 5000] */
  readonly retryDelaysMs?: readonly number[];
  /**
   * For ssh URLs: with the agent URL and token, git authenticates with the
   * workspace owner's Coder git SSH key (kept in memory for this step only)
   * and checks host keys against `knownHosts` only. @default - the user's own ssh
   */
  readonly ssh?: SshSettings;
  /** Pauses between attempts to get the Coder SSH key. @default [1000, 2000, 5000, 10000, 20000] */
  readonly sshKeyRetryDelaysMs?: readonly number[];
}

/** What the checkout step did. */
export interface CheckoutResult {
  readonly folder: string;
  /** The branch checked out now (also one without commits yet), or `HEAD` when detached or unreadable. */
  readonly branch: string;
  /** Full commit id of HEAD; empty when HEAD has no commit yet or git cannot read it. */
  readonly commit: string;
  /**
   * `cloned`: a fresh clone;
   * `reused`: the existing checkout as it was;
   * `switched`: the existing checkout moved to the new branch parameter;
   * `kept-dirty`: the branch parameter changed, but uncommitted work, or
   *   ignored or untracked files the new branch would overwrite, kept the old branch;
   * `kept-offline`: the branch parameter changed, but the remote could not
   *   give the branch (missing branch, rejected token, unreachable host,
   *   timeout): the checkout was kept on its branch, and the next start tries again;
   * `kept-as-is`: a git repository that is not a plain checkout of the
   *   repository (another remote, mirror or SSH alias, an unborn or orphan
   *   branch, not the top of its work tree), or a folder git could not read:
   *   used as it is, the branch parameter not applied;
   * `recovered`: a fresh clone after clearing the builder's unfinished
   *   clones or moving a folder that was no git repository into the checkout
   *   (see `keptFiles`).
   */
  readonly action: 'cloned' | 'reused' | 'switched' | 'kept-dirty' | 'kept-offline' | 'kept-as-is' | 'recovered';
  readonly freshClone: boolean;
  /** Where files found in the folder before the clone now are, inside the checkout (workspace volume paths). */
  readonly keptFiles: readonly string[];
  readonly durationMs: number;
}

/**
 * Make `folder` a checkout of `repository`. Uncommitted work is never reset,
 * cleaned, stashed or overwritten, a git repository is never moved, and
 * nothing but an unfinished clone of the builder's own is ever deleted. A
 * non-empty folder that is no git repository moves into the new checkout
 * (`builder/git/kept-folder.ts`), where the dev container can reach it.
 */
export async function checkout(ctx: CheckoutContext): Promise<CheckoutResult> {
  const start = performance.now();
  const parsed = parseRepoUrl(ctx.repository);
  if (typeof parsed === 'string') throw new CheckoutError(`DEVCONTAINER_REPOSITORY ${parsed}.`);
  if (ctx.githubToken !== undefined && parsed.transport !== 'http') {
    ctx.log.info(`GH_TOKEN is not used: ${redactUrl(ctx.repository)} is not an https URL.`);
  }
  // The key file exists only while this step runs, on a tmpfs, and is removed however the step ends.
  const ssh = parsed.transport === 'ssh'
    ? await openSshSession({ log: ctx.log, ...ctx.ssh, host: parsed.host, deadline: start + ctx.timeoutMs, signal: ctx.signal, retryDelaysMs: ctx.sshKeyRetryDelaysMs })
      .catch((error: NodeJS.ErrnoException) => {
        throw new CheckoutError(`Could not prepare the SSH key and known_hosts files in memory (${error.code ?? error.message}); nothing was cloned.`, { cause: error });
      })
    : undefined;
  try {
    return await checkoutWith(ctx, start, ssh, await credentialFor(ctx, parsed.transport));
  } finally {
    await ssh?.remove();
  }
}

/** GH_TOKEN, else (https only) the clone credential, else none. */
async function credentialFor(ctx: CheckoutContext, transport: string): Promise<GitCredential | undefined> {
  if (ctx.githubToken !== undefined) return { username: TOKEN_USERNAME, password: ctx.githubToken, source: 'GH_TOKEN' };
  if (ctx.cloneCredentialDir === undefined || transport !== 'http') return undefined;
  const credential = await readCloneCredential(ctx.cloneCredentialDir);
  ctx.log.info("GH_TOKEN is empty (a prebuilt workspace has no owner yet): using the template's read-only clone credential.");
  return credential;
}

async function checkoutWith(ctx: CheckoutContext, start: number, ssh: SshSession | undefined, credential: GitCredential | undefined): Promise<CheckoutResult> {
  const deadline = start + ctx.timeoutMs;
  const { log } = ctx;
  const folder = path.resolve(ctx.folder);
  const secrets = [...(credential === undefined ? [] : [credential.password]), ...(ssh?.secrets ?? [])];
  await mkdir(path.dirname(folder), { recursive: true });
  const realFolder = path.join(await realpath(path.dirname(folder)), path.basename(folder));
  const gitFor = (safeSubfolders: readonly string[]) => createGit({ log, repository: ctx.repository, githubToken: credential?.password, tokenUsername: credential?.username, folder, realFolder, safeSubfolders, sshCommand: ssh?.command, signal: ctx.signal });
  const git = gitFor([]);
  const common = { log, git, repository: ctx.repository, branch: ctx.branch, deadline, timeoutMs: ctx.timeoutMs, hasToken: credential !== undefined, cloneCredential: credential?.source === 'clone credential', secrets };
  // Without a working git, every later check would misread the folder.
  await git(['--version'], { onLine: 'quiet' }).catch((error: unknown) => {
    if (ctx.signal?.aborted) throw new CheckoutError('Checkout was cancelled: the builder is shutting down.', { cause: error });
    throw new CheckoutError('git cannot run in the builder (is it installed in the builder image?)', { cause: error });
  });
  const recovered = (await removePartialClones(folder, log)) > 0;
  const state = await inspectFolder(git, folder, ctx.repository);

  let action: CheckoutResult['action'];
  const written: string[] = [];
  let keptFiles: string[] = [];
  if (state.kind === 'repository' || state.kind === 'unreadable') {
    log.warn(state.kind === 'repository'
      ? `${folder} is a git repository, but ${state.reason}: using the checkout as it is; the branch parameter is not applied and nothing is fetched. To get a fresh clone of ${redactUrl(ctx.repository)}, move the folder away and restart the workspace.`
      : `Could not inspect ${folder}: ${state.reason}. It is kept as it is and the workspace starts with it; the branch parameter is not applied. Check the folder's permissions and its .git, then restart the workspace.`);
    const leftovers = await stagedFolders(folder);
    if (leftovers.length > 0) log.warn(`Files moved aside by an earlier start are still in ${leftovers.join(', ')}; they move into the checkout once the builder clones one.`);
    action = 'kept-as-is';
  } else {
    // Without the key a fresh clone cannot work; an existing checkout still starts (its fetch may fail: kept-offline).
    if (ssh?.problem !== undefined && state.kind !== 'ours') throw new CheckoutError(ssh.problem);
    if (ssh?.problem !== undefined) log.warn(`${ssh.problem} The existing checkout is used; fetching a new branch may fail.`);
    if (state.kind === 'ours') {
      try {
        const reused = await reuseCheckout({ ...common, folder, remote: state.remote, signal: ctx.signal });
        action = reused.action;
        written.push(...reused.written);
      } catch (error) {
        // A local failure (git, the file system) on a checkout that inspected fine: keep it rather than block the workspace.
        if ((isBuilderError(error) && error.step === 'checkout') || ctx.signal?.aborted) throw error;
        const cause = error instanceof ProcessError ? `${error.message}: ${error.tail.at(-1) ?? 'no output'}` : String(error);
        log.warn(`Could not finish reusing ${folder} (${cause}). The checkout is kept as it is and the workspace starts with it; the branch parameter is not applied.`);
        action = 'kept-as-is';
        // What git may have written before it failed goes back to the owner too.
        written.push(path.join(folder, '.git'));
      }
    } else {
      const stagedNow = state.kind === 'not-git'
        ? await stageForKeeping(folder).catch((error: NodeJS.ErrnoException) => {
          throw new CheckoutError(`${folder} is ${state.reason}, not a git repository, and could not be moved out of the way for the clone (${error.code ?? error.message}); nothing was changed. Move its contents elsewhere (or make it a checkout of the repository), then restart the workspace.`, { cause: error });
        })
        : undefined;
      if (state.kind === 'not-git' && stagedNow !== undefined) log.info(`${folder} is ${state.reason}, not a git repository: moved it to ${stagedNow} while the repository is cloned; it then moves into the checkout.`);
      const waiting = (await stagedFolders(folder)).length > 0;
      try {
        await cloneRepository({ ...common, folder, retryDelaysMs: ctx.retryDelaysMs ?? [2000, 5000], signal: ctx.signal });
      } catch (error) {
        if (stagedNow !== undefined) await unstage(stagedNow, folder, log);
        throw error;
      }
      action = recovered || waiting ? 'recovered' : 'cloned';
    }
    // Also finishes a move an interrupted start left half done.
    const adopted = await adoptStaged(git, folder, log);
    keptFiles = adopted.moved;
    if (adopted.exclude !== undefined) written.push(adopted.exclude);
    if (adopted.moved.length > 0 && action === 'cloned') action = 'recovered';
    // Missing submodules only, with the same credentials; checked-out ones are never touched.
    if (action !== 'kept-as-is') written.push(...(await updateSubmodules({ ...common, gitFor, folder, signal: ctx.signal })).written);
  }
  // A fresh clone is root's until `up` gives it to the dev container's user; an existing one gets back what git wrote.
  if (written.length > 0 && state.kind === 'ours') await restoreOwnership(folder, log, { paths: written });

  const quiet = { onLine: 'quiet', allowFailure: true } as const;
  const head = await git(['-C', folder, 'symbolic-ref', '--quiet', '--short', 'HEAD'], quiet);
  const commitId = await git(['-C', folder, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], quiet);
  const branch = head.exitCode === 0 ? head.stdout.trim() : 'HEAD';
  const commit = commitId.exitCode === 0 ? commitId.stdout.trim() : '';
  const durationMs = Math.round(performance.now() - start);
  log.info(`Checkout ${action}: ${folder} on ${branch}${commit === '' ? ' (no commit)' : ` at ${commit.slice(0, 12)}`} (${formatDuration(durationMs)})`);
  const freshClone = state.kind === 'missing' || state.kind === 'empty' || state.kind === 'not-git';
  return { folder, branch, commit, action, freshClone, keptFiles, durationMs };
}
