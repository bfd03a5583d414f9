import { createServer, type Server, type Socket } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckoutError } from '../../../builder/errors.js';
import { describeGitFailure, scrub } from '../../../builder/git/git-failure.js';
import { ProcessError } from '../../../builder/process.js';
import { checkout, type CheckoutContext } from '../../../builder/steps/checkout.js';
import { everywhereASecretCouldLeak, useCheckoutHarness } from './checkout-harness.js';

const harness = useCheckoutHarness();

async function failure(ctx: CheckoutContext): Promise<CheckoutError> {
  const error = await checkout(ctx).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CheckoutError);
  return error as CheckoutError;
}

async function context(extra: Partial<CheckoutContext> = {}): Promise<CheckoutContext> {
  const h = harness();
  const name = `svc-${Math.random().toString(36).slice(2, 8)}`;
  const repo = await h.server.createRepo(name);
  return { log: h.log, repository: repo.url, folder: path.join(h.workspaces, name), githubToken: h.server.token, timeoutMs: 60_000, retryDelaysMs: [], ...extra };
}

/** A TCP server that accepts connections and never answers: a stalled git host. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }) };
}

describe('checkout failures', { timeout: 240_000 }, () => {
  it('fails with a clear message for a wrong token, which appears nowhere', async () => {
    const h = harness();
    const wrong = 'ghp_wrongTokenValue42';
    const error = await failure(await context({ githubToken: wrong }));
    expect(error.message).toMatch(/^The remote rejected the GitHub token \(GH_TOKEN\) for http:\/\/127\.0\.0\.1:\d+\/svc-\w+\.git: it is wrong, expired, or lacks access to this repository\. Check the GitHub external auth in Coder/);
    expect(error.lastLines.join('\n')).toContain('Authentication failed');
    expect(error.step).toBe('checkout');
    const everything = [await everywhereASecretCouldLeak(h), error.message, ...error.lastLines].join('\n');
    expect(everything).toContain('clone --filter=blob:none');
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(h.server.token);
    expect(await readdir(h.workspaces)).toEqual([]);
    expect(h.server.requests.some((r) => r.username === 'x-access-token' && !r.authorized)).toBe(true);
  });

  it('tells the user to connect external auth when no token is set', async () => {
    const error = await failure(await context({ githubToken: undefined }));
    expect(error.message).toMatch(/requires authentication but no GitHub token \(GH_TOKEN\) is set\. Connect GitHub external auth/);
  });

  it('fails for a repository that does not exist', async () => {
    const h = harness();
    const error = await failure(await context({ repository: `${h.server.baseUrl}/missing.git` }));
    expect(error.message).toMatch(/^Repository http:\/\/127\.0\.0\.1:\d+\/missing\.git was not found\. Check DEVCONTAINER_REPOSITORY/);
  });

  it('fails for a branch that does not exist, leaving nothing behind', async () => {
    const h = harness();
    const error = await failure(await context({ branch: 'no-such-branch' }));
    expect(error.message).toMatch(/^Branch "no-such-branch" does not exist on http:\/\/.*\. Push the branch, or change the branch parameter \(DEVCONTAINER_BRANCH\)/);
    expect(await readdir(h.workspaces)).toEqual([]);
  });

  it('keeps the checkout as it was when the new branch is missing (issue 10.8)', async () => {
    const h = harness();
    const ctx = await context({ branch: 'main' });
    const first = await checkout(ctx);
    expect(await checkout({ ...ctx, branch: 'gone' })).toMatchObject({ action: 'kept-offline', branch: 'main', commit: first.commit });
    expect(h.sink.lines.filter((l) => l.level === 'warn').at(-1)?.text).toContain('Branch "gone" does not exist on ');
    expect(await checkout(ctx)).toMatchObject({ action: 'reused', branch: 'main', commit: first.commit });
  });

  it('retries an unreachable host a bounded number of times, then says so', async () => {
    const h = harness();
    const closed = await silentServer();
    await closed.close(); // the port is now refused
    const start = performance.now();
    const error = await failure(await context({ repository: `http://127.0.0.1:${closed.port}/x/app.git`, retryDelaysMs: [50, 50] }));
    expect(performance.now() - start).toBeLessThan(30_000);
    expect(error.message).toBe(`Cannot reach the git host of http://127.0.0.1:${closed.port}/x/app.git. Check the URL in DEVCONTAINER_REPOSITORY and that the pod can reach the host (DNS, proxy, NetworkPolicy).`);
    expect(h.sink.texts.filter((t) => t.startsWith('Cloning http://')).length).toBe(3);
    expect(await readdir(h.workspaces)).toEqual([]);
  });

  it('gives up on a host that never answers within the timeout', async () => {
    const h = harness();
    const silent = await silentServer();
    h.onCleanup(silent.close);
    const start = performance.now();
    const error = await failure(await context({ repository: `http://127.0.0.1:${silent.port}/x/app.git`, timeoutMs: 1500 }));
    expect(performance.now() - start).toBeLessThan(15_000);
    expect(error.message).toMatch(/^git clone of http:\/\/127\.0\.0\.1:\d+\/x\/app\.git did not finish within 1\.5 s\. .*DEVCONTAINER_CLONE_TIMEOUT_SECONDS/);
    expect(await readdir(h.workspaces)).toEqual([]);
  });
});

describe('checkout cancellation', { timeout: 240_000 }, () => {
  it('stops a clone when the builder shuts down, leaving nothing behind', async () => {
    const h = harness();
    const silent = await silentServer();
    h.onCleanup(silent.close);
    const controller = new AbortController();
    const ctx = await context({ repository: `http://127.0.0.1:${silent.port}/x/app.git`, timeoutMs: 3000, signal: controller.signal });
    // Abort once the clone is under way.
    h.sink.write = new Proxy(h.sink.write, { apply: (fn, self, args: Parameters<typeof h.sink.write>) => {
      if (args[0].text.startsWith('Cloning http://')) setTimeout(() => controller.abort(), 200);
      return Reflect.apply(fn, self, args);
    } });
    const error = await failure(ctx);
    expect(error.message).toBe(`Cloning http://127.0.0.1:${silent.port}/x/app.git (default branch) was cancelled: the builder is shutting down.`);
    expect(await readdir(h.workspaces)).toEqual([]);
  });
});

describe('describeGitFailure', () => {
  const ctx = { action: 'clone', repository: 'https://github.com/o/r.git', hasToken: true, timeoutMs: 1000, secrets: ['s3cret'] };
  const processError = (tail: string[]) => new ProcessError('git exited with code 128', 'git clone', 128, undefined, false, tail);

  it('removes secrets and URL credentials from the last lines', () => {
    const result = describeGitFailure(processError(['fatal: unable to access \'https://x-access-token:abc@github.com/o/r.git/\': s3cret', '']), ctx);
    expect(result.lastLines).toEqual(['fatal: unable to access \'https://***@github.com/o/r.git/\': ***']);
  });

  it('falls back to the process error for unknown output', () => {
    expect(describeGitFailure(processError(['fatal: something new']), ctx)).toMatchObject({ kind: 'other', retryable: false, message: 'git clone of https://github.com/o/r.git failed (git exited with code 128).' });
  });

  it('issue 11.5: a refused SSH key points at the Coder git SSH key', () => {
    const result = describeGitFailure(processError(['git@github.com: Permission denied (publickey).', 'fatal: Could not read from remote repository.']), ctx);
    expect(result).toMatchObject({ kind: 'ssh-auth', retryable: false });
    expect(result.message).toMatch(/refused the SSH key.*Coder git SSH key.*coder publickey/);
  });

  // OpenSSH 9.2's own lines (openssh-portable sshconnect.c), as git passes them on.
  it('issue 11.5: an unknown or changed host key names DEVCONTAINER_SSH_KNOWN_HOSTS and ssh-keyscan', () => {
    const sshCtx = { ...ctx, repository: 'ssh://git@172.30.77.1:2222/o/r.git' };
    const unknown = describeGitFailure(processError([
      'No ED25519 host key is known for [172.30.77.1]:2222 and you have requested strict checking.',
      'Host key verification failed.', 'fatal: Could not read from remote repository.',
    ]), sshCtx);
    expect(unknown).toMatchObject({ kind: 'ssh-host-key', retryable: false });
    expect(unknown.message).toMatch(/^The SSH host key of \[172\.30\.77\.1\]:2222 is not in DEVCONTAINER_SSH_KNOWN_HOSTS.*`ssh-keyscan -p 2222 172\.30\.77\.1`/);
    const changed = describeGitFailure(processError([
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      'Host key for [172.30.77.1]:2222 has changed and you have requested strict checking.',
      'Host key verification failed.',
    ]), sshCtx);
    expect(changed.message).toMatch(/does not match the one in DEVCONTAINER_SSH_KNOWN_HOSTS/);
  });

  it('scrub leaves ordinary lines alone', () => {
    expect(scrub('Cloning into \'/workspaces/app\'...', ['s3cret'])).toBe('Cloning into \'/workspaces/app\'...');
  });
});
