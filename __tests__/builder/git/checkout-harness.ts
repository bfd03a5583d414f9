import { execFile } from 'node:child_process';
import { chmod, chown, lchown, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import type { CheckoutContext } from '../../../builder/steps/checkout.js';
import { startGitServer, type GitServer } from '../../support/git-server.js';
import { PASS_ENV } from '../../../builder/process.js';

const execFileAsync = promisify(execFile);

/** Everything a checkout test works with; fresh workspaces and log per test, one server per file. */
export interface CheckoutHarness {
  readonly server: GitServer;
  /** A fresh, empty workspaces root for this test. */
  readonly workspaces: string;
  readonly sink: MemorySink;
  readonly log: Logger;
  /** File where the `git` wrapper on PATH appends the argv of every git call. */
  readonly argvLog: string;
  /** The HOME the builder's git sees; its .gitconfig has a `store` credential helper that must never run. */
  readonly home: string;
  /** Register a cleanup; cleanups run in reverse order after each test. */
  onCleanup(fn: () => Promise<void> | void): void;
}

/**
 * Install the shared set-up in the calling test file and return a getter for
 * the current harness. A `git` wrapper first on PATH records every argv, so
 * tests can assert that no secret was ever passed on a command line.
 */
export function useCheckoutHarness(): () => CheckoutHarness {
  let server: GitServer;
  let bin: string;
  let current: CheckoutHarness | undefined;
  let cleanups: (() => Promise<void> | void)[] = [];
  const saved = { PATH: process.env.PATH, HOME: process.env.HOME, GIT_ARGV_LOG: process.env.GIT_ARGV_LOG };

  beforeAll(async () => {
    server = await startGitServer();
    bin = await mkdtemp(path.join(tmpdir(), 'checkout-bin-'));
    const realGit = (await execFileAsync('sh', ['-c', 'command -v git'])).stdout.trim();
    await writeFile(path.join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "\${GIT_ARGV_LOG:-/dev/null}"\nexec ${realGit} "$@"\n`);
    await chmod(path.join(bin, 'git'), 0o755);
    process.env.PATH = `${bin}:${saved.PATH}`;
  });

  afterAll(async () => {
    process.env.PATH = saved.PATH;
    await server?.close();
    await rm(bin, { recursive: true, force: true });
  });

  beforeEach(async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'checkout-'));
    const workspaces = path.join(scratch, 'workspaces');
    const home = path.join(scratch, 'home');
    await mkdir(workspaces);
    await mkdir(home);
    await writeFile(path.join(home, '.gitconfig'), '[credential]\n\thelper = store\n');
    const argvLog = path.join(scratch, 'argv.log');
    await writeFile(argvLog, '');
    process.env.HOME = home;
    process.env.GIT_ARGV_LOG = argvLog;
    process.env[PASS_ENV] = 'GIT_ARGV_LOG'; // children see only an allow-listed environment (builder/process.ts)
    const sink = new MemorySink();
    cleanups = [() => rm(scratch, { recursive: true, force: true })];
    current = { server, workspaces, sink, log: new Logger(sink), argvLog, home, onCleanup: (fn) => cleanups.push(fn) };
  });

  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups = [];
    process.env.HOME = saved.HOME;
    process.env.GIT_ARGV_LOG = saved.GIT_ARGV_LOG;
  });

  return () => {
    if (current === undefined) throw new Error('the checkout harness is only available inside a test');
    return current;
  };
}

/** Run git as the workspace user would, in `cwd`, isolated from the machine's config. */
export async function userGit(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd,
    env: { ...process.env, GIT_ARGV_LOG: '/dev/null', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'U', GIT_AUTHOR_EMAIL: 'u@example.com', GIT_COMMITTER_NAME: 'U', GIT_COMMITTER_EMAIL: 'u@example.com' },
  });
  return stdout.trim();
}

/**
 * Every place a secret could leak to, as one text: log lines, the argv of
 * every git call, each `.git/config` under the workspaces, and the HOME's
 * files (a credential store).
 */
export async function everywhereASecretCouldLeak(h: CheckoutHarness): Promise<string> {
  const parts = [h.sink.texts.join('\n'), await readFile(h.argvLog, 'utf8')];
  for (const dir of [h.workspaces, h.home]) {
    for (const entry of await readdir(dir, { recursive: true })) {
      const file = path.join(dir, entry);
      if (entry.endsWith('.git/config') || dir === h.home) parts.push(await readFile(file, 'utf8').catch(() => ''));
    }
  }
  return parts.join('\n');
}

/** A fixture repo (default branch `main`, plus `feature`) and a context to check it out into a fresh folder. */
export async function appFixture(h: CheckoutHarness, extra: Partial<CheckoutContext> = {}) {
  const name = `app-${Math.random().toString(36).slice(2, 8)}`;
  const repo = await h.server.createRepo(name, { files: { 'README.md': '# app\n', 'src/main.txt': 'v1\n' } });
  await repo.commit('feature', { 'feature.txt': 'feature work\n' });
  const folder = path.join(h.workspaces, name);
  const ctx: CheckoutContext = { log: h.log, repository: repo.url, folder, githubToken: h.server.token, timeoutMs: 60_000, retryDelaysMs: [], ...extra };
  return { repo, name, folder, ctx };
}

/** Give a whole tree to `uid:gid`, as the dev container's `chown -R` does. */
export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { recursive: true })) await lchown(path.join(dir, entry), uid, gid);
}

/** Entries under `dir` (relative paths) owned by `uid`. */
export async function ownedBy(dir: string, uid: number): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) if ((await lstat(path.join(dir, entry))).uid === uid) found.push(entry);
  return found.sort();
}
