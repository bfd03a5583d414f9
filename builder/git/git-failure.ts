import { formatDuration } from '../log/logger.js';
import type { ProcessError } from '../process.js';
import { knownHostsAdvice, knownHostsName, splitHostPort } from './known-hosts.js';
import { parseRepoUrl, redactUrl } from './repo-url.js';

/** What went wrong in a git command that talks to the remote, in the user's terms. */
export interface GitFailure {
  readonly kind: 'auth' | 'no-credentials' | 'repository-not-found' | 'branch-not-found' | 'unreachable' | 'timeout' | 'ssh-auth' | 'ssh-host-key' | 'other';
  /** What happened and what to do about it. */
  readonly message: string;
  /** A network hiccup worth another attempt. */
  readonly retryable: boolean;
  /** The command's last output lines with secrets and URL credentials removed. */
  readonly lastLines: readonly string[];
}

/** Facts the message needs. */
export interface GitFailureContext {
  /** e.g. "clone", "fetch branch feature" */
  readonly action: string;
  readonly repository: string;
  readonly branch?: string;
  readonly hasToken: boolean;
  /** The token came from the template's clone credential, not GH_TOKEN (a prebuilt workspace). @default false */
  readonly cloneCredential?: boolean;
  readonly timeoutMs: number;
  /** Values to cut out of output lines. */
  readonly secrets: readonly string[];
}

/**
 * Turn a failed git command into a message a user can act on. Git's messages
 * are matched in the C locale, which the git runner sets.
 */
export function describeGitFailure(error: ProcessError, ctx: GitFailureContext): GitFailure {
  const lastLines = error.tail.map((line) => scrub(line, ctx.secrets)).filter((line) => line.trim() !== '');
  const text = lastLines.join('\n');
  const repo = redactUrl(ctx.repository);
  const make = (kind: GitFailure['kind'], message: string, retryable = false): GitFailure => ({ kind, message, retryable, lastLines });

  if (error.timedOut) {
    return make('timeout', `git ${ctx.action} of ${repo} did not finish within ${formatDuration(ctx.timeoutMs)}. A large repository on a slow link needs more time: raise DEVCONTAINER_CLONE_TIMEOUT_SECONDS.`);
  }
  if (/Remote branch .* not found|couldn't find remote ref/i.test(text)) {
    return make('branch-not-found', `Branch "${ctx.branch ?? ''}" does not exist on ${repo}. Push the branch, or change the branch parameter (DEVCONTAINER_BRANCH) to an existing one; leave it empty for the default branch.`);
  }
  if (/Authentication failed|HTTP (?:code )?40[13]|returned error: 40[13]|Invalid username or password|Write access to repository not granted/i.test(text)) {
    if (ctx.hasToken && ctx.cloneCredential) {
      return make('auth', `The remote rejected the template's clone credential (Secret clone_credential_secret, used because GH_TOKEN is empty) for ${repo}: its token is wrong, expired, or cannot read this repository. Replace the Secret's password with a read-only token for it.`);
    }
    return ctx.hasToken
      ? make('auth', `The remote rejected the GitHub token (GH_TOKEN) for ${repo}: it is wrong, expired, or lacks access to this repository. Check the GitHub external auth in Coder (re-authenticate it under Account → External authentication) and that it may read the repository.`)
      : make('no-credentials', `${repo} requires authentication but no GitHub token (GH_TOKEN) is set. Connect GitHub external auth in the template so it passes a token, or use a public repository.`);
  }
  if (/could not read (?:Username|Password)|terminal prompts disabled/i.test(text)) {
    return make('no-credentials', `${repo} requires authentication but no GitHub token (GH_TOKEN) ${ctx.hasToken ? 'was offered for this host' : 'is set'}. Connect GitHub external auth in the template so it passes a token, or use a public repository.`);
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for/i.test(text)) {
    const parsed = parseRepoUrl(ctx.repository);
    const { host, port } = splitHostPort(typeof parsed === 'string' ? '' : parsed.host);
    const changed = /REMOTE HOST IDENTIFICATION HAS CHANGED|key for .* has changed/i.test(text);
    return make('ssh-host-key', `The SSH host key of ${knownHostsName(host, port)} ${changed ? 'does not match the one in DEVCONTAINER_SSH_KNOWN_HOSTS (the known_hosts the builder uses): the host changed its key, or something is in between' : 'is not in DEVCONTAINER_SSH_KNOWN_HOSTS (the known_hosts the builder uses)'}, so ssh refused to connect to ${repo}. ${knownHostsAdvice(host, port)}`);
  }
  if (/Permission denied \(publickey/i.test(text)) {
    return make('ssh-auth', `${repo} refused the SSH key. In a workspace the builder uses your Coder git SSH key: add its public key (Coder: Account → SSH keys, or \`coder publickey\`) to your account on the git host, or use the https URL with GitHub external auth (GH_TOKEN). Without Coder (\`run\` on a laptop) git uses your own ssh keys.`);
  }
  if (/Repository not found|repository '.*' not found|does not appear to be a git repository|returned error: 404/i.test(text)) {
    return make('repository-not-found', `Repository ${repo} was not found. Check DEVCONTAINER_REPOSITORY for typos; a private repository also reads as "not found" when the token (GH_TOKEN) cannot see it.`);
  }
  if (/Could not resolve host|Failed to connect|Connection refused|Connection timed out|Network is unreachable|No route to host|Connection reset|Operation too slow|Empty reply|returned error: 5\d\d|RPC failed|early EOF|unexpected disconnect|Could not read from remote repository|ssh: connect to host/i.test(text)) {
    return make('unreachable', `Cannot reach the git host of ${repo}. Check the URL in DEVCONTAINER_REPOSITORY and that the pod can reach the host (DNS, proxy, NetworkPolicy).`, true);
  }
  return make('other', `git ${ctx.action} of ${repo} failed (${error.message}).`);
}

/** Remove secrets and URL credentials from one line of git output. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('***');
  return out;
}
