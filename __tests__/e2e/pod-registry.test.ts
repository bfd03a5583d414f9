// Issue 11 items 3 and 4: the template's registry cache with credentials.
// An authenticated registry (Debian's docker-registry with htpasswd, TLS,
// __tests__/support/registry-server.ts) on the test network; the Secret
// `var.registry_auth_secret` mounted read-only exactly as the template
// mounts it (the pod runner projects Secret volumes like the kubelet). The
// first workspace builds a Dockerfile dev container and pushes the cache; a
// second pod with new volumes (empty Docker storage) pulls it and reuses the
// slow RUN layer. The fixture's initializeCommand writes its environment to
// a git-ignored file: no credential may appear there or in any log.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import type { FixtureRepo } from '../support/git-server.js';
import { startRegistry, type RegistryServer } from '../support/registry-server.js';
import { coderLog, dind, fixtureFiles, inDevContainer, runCleanups, secretsIn, setUpEnv, workspacePod, type E2eEnv } from './workspace-pod.js';

const FOLDER = '/workspaces/registry-cache';
const SECRET = 'cache-registry-auth';

describeDocker('issue 11.3/11.4: registry cache with credentials from a read-only Secret', () => {
  let env: E2eEnv;
  let registry: RegistryServer;
  let repo: FixtureRepo;

  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.14.0/24' });
    registry = await startRegistry({ network: env.network.name, name: 'cdk-e2e-registry', user: 'cache-bot', password: `pw-${process.pid}-0123456789abcdef` });
    env.cleanups.push(() => registry.close());
    repo = await env.git.createRepo('registry-cache', { files: await fixtureFiles('registry-cache') });
  }, 30 * 60_000);
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  const pod = (name: string) => {
    const p = workspacePod(env, {
      name,
      repo,
      values: { 'var.cache_repo': `${registry.host}/devcontainer-cache`, 'var.registry_auth_secret != "" ? [1] : []': '[1]', 'var.registry_auth_secret': SECRET },
      secrets: { [`${SECRET}/.dockerconfigjson`]: registry.dockerConfigJson },
      // Deviation: the registry's CA is private to the test; dockerd reads certs.d at each connection.
      beforeBuilder: async () => {
        await p.exec('dind', ['sh', '-c', `mkdir -p /etc/docker/certs.d/${registry.host} && cat > /etc/docker/certs.d/${registry.host}/ca.crt`], { input: registry.caCert });
      },
    });
    return p;
  };
  const buildSeconds = (lines: readonly string[]) => {
    const timing = [...lines].reverse().find((l) => l.startsWith('Timing: '));
    const m = /build (\d+(?:\.\d+)?) (ms|s)\b/.exec(timing ?? '');
    return m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : Number.NaN;
  };

  it('issue 11.3/11.4: the first workspace pushes the cache, a second with empty Docker storage pulls and reuses it; no credential leaks', async () => {
    const first = pod('reg-1');
    await first.start();
    const firstLog = coderLog(env.coder);
    expect(firstLog.join('\n')).toContain(`Cache image pushed to ${registry.host}/devcontainer-cache`);
    expect(await registry.tags('devcontainer-cache')).toContain('latest');
    const firstId = (await inDevContainer(first, FOLDER, ['cat', '/build-id'])).stdout.trim();
    const firstEnv = (await first.exec('dind', ['cat', `${FOLDER}/.init-env.txt`])).stdout;
    const firstPodLogs = await first.logs('devcontainer-builder');
    await first.destroy();

    const second = pod('reg-2');
    // A new pod name: new PVCs, so the DinD daemon starts with empty storage.
    await second.start();
    const allLog = coderLog(env.coder);
    const secondLog = allLog.slice(firstLog.length);
    expect(secondLog.join('\n')).toContain(`Pulling the cache image ${registry.host}/devcontainer-cache`);
    expect(secondLog.join('\n')).not.toContain('Could not pull the cache image');
    expect(secondLog.join('\n')).toMatch(new RegExp(`Pulled the cache image ${registry.host.replace(/\./g, '\\.')}/devcontainer-cache in \\d`));
    // The slow RUN layer came from the cache: the same build id as the first build.
    expect((await inDevContainer(second, FOLDER, ['cat', '/build-id'])).stdout.trim()).toBe(firstId);
    const cold = buildSeconds(firstLog);
    const cached = buildSeconds(secondLog);
    process.stderr.write(`[e2e] registry cache: cold build ${cold} s, cached build ${cached} s\n`);
    expect(cached).toBeLessThan(cold);
    expect((await dind(second, ['image', 'inspect', `${registry.host}/devcontainer-cache`])).exitCode).toBe(0);

    const secondEnv = (await second.exec('dind', ['cat', `${FOLDER}/.init-env.txt`])).stdout;
    expect(secondEnv).toContain('PATH=');
    const logs = [allLog.join('\n'), firstPodLogs, await second.logs('devcontainer-builder'), await second.logs('devcontainer-agent')].join('\n');
    const secrets = [registry.password, registry.auth];
    for (const [where, text] of Object.entries({ firstEnv, secondEnv, logs })) expect(secretsIn(text, secrets), where).toEqual([]);
    for (const [where, text] of Object.entries({ firstEnv, secondEnv })) expect(text, where).not.toMatch(/^DOCKER_CONFIG=/m);
    // The mount stayed as the kubelet made it: nothing written next to config.json.
    expect((await second.exec('devcontainer-agent', ['ls', '-A', '/var/run/docker-config'], { reject: false })).stdout.trim()).toBe('config.json');
    await second.destroy();
  }, 40 * 60_000);
});
