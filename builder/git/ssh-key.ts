import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { missingKnownHostsProblem, splitHostPort } from './known-hosts.js';

// The workspace owner's Coder git SSH key, as the Coder agent gets it for
// `coder gitssh` (coder/coder cli/gitssh.go): `GET
// /api/v2/workspaceagents/me/gitsshkey` with the agent token in the
// `Coder-Session-Token` header (codersdk/agentsdk/agentsdk.go `GitSSHKey`),
// answered by coderd/gitsshkey.go `agentGitSSHKey` with
// `{"public_key": …, "private_key": …}` (agentsdk.GitSSHKey). The private key
// is PEM (OpenSSH for ed25519, the default; PKCS#1/SEC1 for rsa4096/ecdsa,
// coderd/gitsshkey/gitsshkey.go). `coder gitssh` writes it to a temp file and
// removes it after ssh exits; the builder keeps it for one checkout step, in
// a memory-backed directory only, never on the workspaces volume.

/** How ssh URLs authenticate and check the host. */
export interface SshSettings {
  /** `CODER_AGENT_URL`: with the token, the key comes from Coder. @default - the user's own ssh keys */
  readonly agentUrl?: string;
  /** `CODER_AGENT_TOKEN`, a secret. */
  readonly agentToken?: string;
  /** `DEVCONTAINER_SSH_KNOWN_HOSTS`: the only host keys ssh accepts. @default - with Coder: required (config.ts); without: the user's own known_hosts */
  readonly knownHosts?: string;
}

/** What git needs for ssh during one checkout step. */
export interface SshSession {
  /** GIT_SSH_COMMAND; undefined: the git runner's default (the user's own ssh). */
  readonly command?: string;
  /** Private key lines, cut from any git output line that might echo one. */
  readonly secrets: readonly string[];
  /** Why the Coder key could not be had: a fresh clone fails with it, an existing checkout only warns. */
  readonly problem?: string;
  /** Deletes the key and known_hosts files; safe to call twice. */
  remove(): Promise<void>;
}

/** The answer of `GET /api/v2/workspaceagents/me/gitsshkey`. */
export interface GitSshKey {
  readonly publicKey: string;
  readonly privateKey: string;
}

/** Prefix of the builder's private directories in the memory-backed root. */
export const SSH_DIR_PREFIX = 'devcontainer-builder-ssh-';

/** Where private files may go: memory-backed mounts only. */
const MEMORY_FS = new Set(['tmpfs', 'ramfs']);

/** Pauses between attempts: Coder answers 401 until the provision job completed, and may blip. */
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 20_000];

/** Options of {@link fetchGitSshKey}. */
export interface FetchKeyOptions {
  /** `performance.now()` after which no attempt starts. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** @default [1000, 2000, 5000, 10000, 20000] */
  readonly retryDelaysMs?: readonly number[];
}

/**
 * Fetch the workspace owner's git SSH key with the agent token. Retries
 * 401, 5xx and network errors a bounded number of times; the error message
 * names the status and Coder's reason, never the token or the key.
 */
export async function fetchGitSshKey(agentUrl: string, token: string, options: FetchKeyOptions): Promise<GitSshKey> {
  const url = new URL('api/v2/workspaceagents/me/gitsshkey', agentUrl.endsWith('/') ? agentUrl : `${agentUrl}/`).toString();
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt += 1) {
    let reason: string;
    let retryable = true;
    try {
      const timeout = AbortSignal.timeout(Math.max(1, Math.min(15_000, options.deadline - performance.now())));
      const response = await fetch(url, {
        headers: { 'Coder-Session-Token': token, Accept: 'application/json' },
        signal: options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]),
      });
      const text = await response.text();
      if (response.status === 200) return parseKey(text);
      reason = `${response.status} ${coderReason(text)}`.trim();
      retryable = response.status === 401 || response.status === 408 || response.status === 429 || response.status >= 500;
    } catch (error) {
      if (options.signal?.aborted === true) throw new Error('cancelled: the builder is shutting down', { cause: error });
      if (error instanceof KeyFormatError) throw error;
      reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    }
    const delay = delays[attempt];
    if (!retryable || delay === undefined || performance.now() + delay >= options.deadline) {
      throw new Error(`GET ${new URL(url).pathname} answered ${reason}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`);
    }
    await sleep(delay, undefined, { signal: options.signal }).catch((error: unknown) => {
      throw new Error('cancelled: the builder is shutting down', { cause: error });
    });
  }
}

class KeyFormatError extends Error {}

function parseKey(text: string): GitSshKey {
  let body: { public_key?: unknown; private_key?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new KeyFormatError('the answer is not JSON');
  }
  if (typeof body.private_key !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(body.private_key)) {
    throw new KeyFormatError('the answer holds no PEM private key in "private_key"');
  }
  return { publicKey: typeof body.public_key === 'string' ? body.public_key.trim() : '', privateKey: body.private_key };
}

/** Coder answers errors as `{message, detail}` (codersdk.Response). */
function coderReason(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; detail?: unknown };
    return [parsed.message, parsed.detail].filter((p): p is string => typeof p === 'string' && p !== '').join(': ').slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** `SHA256:…` as `ssh-keygen -l` prints it, for an authorized_keys-style public key; undefined if unreadable. */
export function fingerprint(publicKey: string): string | undefined {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (blob === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The memory-backed directory private files go to: the first candidate whose
 * mount (the longest mount point containing it, `/proc/self/mounts`) is tmpfs
 * or ramfs. Undefined when none is.
 */
export async function memoryRoot(candidates: readonly string[] = ['/dev/shm', '/run'], mountsFile = '/proc/self/mounts'): Promise<string | undefined> {
  const mounts = (await readFile(mountsFile, 'utf8').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length >= 3)
    .map(([, point, type]) => ({ point: (point as string).replace(/\\040/g, ' '), type: type as string }));
  for (const dir of candidates) {
    const mount = mounts
      .filter((m) => dir === m.point || dir.startsWith(m.point.endsWith('/') ? m.point : `${m.point}/`))
      .sort((a, b) => b.point.length - a.point.length)[0];
    if (mount !== undefined && MEMORY_FS.has(mount.type)) return dir;
  }
  return undefined;
}

/** A path in single quotes for the shell git runs GIT_SSH_COMMAND with. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** GIT_SSH_COMMAND for a key file and/or a known_hosts file. */
export function sshCommand(files: { keyFile?: string; knownHostsFile?: string }): string {
  const parts = ['ssh', '-o', 'BatchMode=yes'];
  if (files.keyFile !== undefined) parts.push('-i', quote(files.keyFile), '-o', 'IdentitiesOnly=yes');
  if (files.knownHostsFile !== undefined) {
    parts.push('-o', `UserKnownHostsFile=${quote(files.knownHostsFile)}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes');
  } else {
    // The user's own ssh (no Coder): their known_hosts persists, so accept-new is trust on first use as they know it.
    parts.push('-o', 'StrictHostKeyChecking=accept-new');
  }
  return parts.join(' ');
}

/** Deletes private directories an earlier, killed builder left in the memory root. */
async function removeLeftovers(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(SSH_DIR_PREFIX)).map((n) => rm(path.join(root, n), { recursive: true, force: true })));
}

/** Options of {@link openSshSession}. */
export interface SshSessionOptions extends SshSettings {
  readonly log: Logger;
  /** `RepoUrl.host` of the repository (with its port), for the messages. */
  readonly host: string;
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly retryDelaysMs?: readonly number[];
  /** @default ['/dev/shm', '/run'] */
  readonly memoryDirs?: readonly string[];
}

/**
 * Prepare ssh for one checkout step. With agent credentials: the Coder key
 * and `knownHosts` go to a fresh 0700 directory on a tmpfs, files 0600, and
 * ssh uses only them. Without: the user's own ssh, with `knownHosts` when set.
 * `GIT_SSH_COMMAND` in the builder's environment wins over all of it.
 */
export async function openSshSession(o: SshSessionOptions): Promise<SshSession> {
  const none: SshSession = { secrets: [], remove: () => Promise.resolve() };
  if (process.env.GIT_SSH_COMMAND !== undefined && process.env.GIT_SSH_COMMAND !== '') {
    o.log.info('GIT_SSH_COMMAND is set: git uses it for ssh as it is (no Coder key, no DEVCONTAINER_SSH_KNOWN_HOSTS).');
    return none;
  }
  const withCoder = o.agentUrl !== undefined && o.agentToken !== undefined;
  if (!withCoder && o.knownHosts === undefined) return none;
  if (o.knownHosts === undefined) {
    // Normally refused by config.ts already. Strict checking against nothing: every host fails, none is trusted blindly.
    const { host, port } = splitHostPort(o.host);
    return { ...none, command: sshCommand({ knownHostsFile: '/dev/null' }), problem: missingKnownHostsProblem(host, port) };
  }
  const root = await memoryRoot(o.memoryDirs);
  if (root === undefined) {
    return { ...none, problem: `The builder keeps SSH files in memory only, but none of ${(o.memoryDirs ?? ['/dev/shm', '/run']).join(', ')} is a tmpfs. Mount an emptyDir with medium "Memory" at /dev/shm in the devcontainer-builder container.` };
  }
  await removeLeftovers(root);
  const dir = await mkdtemp(path.join(root, SSH_DIR_PREFIX));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const knownHostsFile = o.knownHosts === undefined ? undefined : path.join(dir, 'known_hosts');
    if (knownHostsFile !== undefined) await writeFile(knownHostsFile, `${o.knownHosts.split(/\r?\n/).map((l) => l.trim()).join('\n').trim()}\n`, { mode: 0o600, flag: 'wx' });
    if (!withCoder) return { command: sshCommand({ knownHostsFile }), secrets: [], remove };
    let key: GitSshKey;
    try {
      key = await fetchGitSshKey(o.agentUrl as string, o.agentToken as string, { deadline: o.deadline, signal: o.signal, retryDelaysMs: o.retryDelaysMs });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { command: sshCommand({ knownHostsFile }), secrets: [], remove, problem: `Could not get your Coder git SSH key for ${o.host} from Coder (${reason}). Check that the workspace can reach Coder (CODER_AGENT_URL) and restart the workspace.` };
    }
    const keyFile = path.join(dir, 'id');
    await writeFile(keyFile, key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`, { mode: 0o600, flag: 'wx' });
    const print = fingerprint(key.publicKey);
    o.log.info(`Using your Coder git SSH key${print === undefined ? '' : ` (${print})`} for ${o.host}, from memory; its public key must be added to your account on ${o.host}.`);
    const secrets = key.privateKey.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'));
    return { command: sshCommand({ keyFile, knownHostsFile }), secrets, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
