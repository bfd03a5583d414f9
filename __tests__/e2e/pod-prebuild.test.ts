// Issue 15.2-15.4 end to end: the workspace pod starts as a prebuilt
// workspace (owner `prebuilds`, no GitHub token, the template's clone
// credential for the private repository), then the template is resolved again
// as Coder resolves it on a claim (a new owner and name, same workspace id
// and agent token; support/prebuild-identities.ts). The Deployment's
// selector, pod template and the claims come out identical, so Kubernetes
// would not roll the pod out; the running pod is then shown untouched: no
// container restarted, the same dev container, the same single agent.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import type { FixtureRepo } from '../support/git-server.js';
import type { PodRunner } from '../support/pod-runner.js';
import { claimIdentity, claimSensitiveParts, NO_GPU_VALUES, parameterDefaults, prebuildIdentity, resolveStrict } from '../support/prebuild-identities.js';
import { devContainerId, dind, fixtureFiles, inDevContainer, runCleanups, secretsIn, setUpEnv, templateValues, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';

const FOLDER = '/workspaces/prebuilt';
const CLONE_SECRET = 'repo-reader';
const CLONE_USER = 'prebuild-reader';
const CLONE_VALUES = { 'var.clone_credential_secret': CLONE_SECRET, 'var.clone_credential_secret != "" ? [1] : []': '[1]' };
/** References inside `dynamic` blocks that are off here (the pod runner never reads them; the comparison resolves everything). */
const OFF_VALUES = {
  'var.registry_auth_secret': '',
  // Read by Kubernetes, not by the pod runner (resources, claims): the defaults the preset sets.
  'var.pvc_access_mode': 'ReadWriteOnce',
  'var.storage_class != "" ? var.storage_class : null': '',
  ...NO_GPU_VALUES,
};

describeDocker('issue 15: a prebuilt workspace is claimed without touching its pod', () => {
  let env: E2eEnv;
  let repo: FixtureRepo;
  let pod: PodRunner;
  let containerId = '';
  let startedAt = '';

  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.15.0/24' });
    // Every repository of the git server needs Basic auth: a private repository.
    repo = await env.git.createRepo('prebuilt', { files: await fixtureFiles('dockerfile-feature') });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  const options = () => ({ name: 'prebuilt', repo, ghToken: '' });
  const shared = () => ({ ...parameterDefaults(env.template), ...templateValues(env, options()), ...CLONE_VALUES, ...OFF_VALUES });
  const prebuildValues = () => ({ ...shared(), ...prebuildIdentity() });
  const claimValues = () => ({ ...shared(), ...claimIdentity(env.git.token) });

  it('15.3: as the prebuild (no GH_TOKEN) the builder clones the private repository with the clone credential', async () => {
    pod = workspacePod(env, {
      ...options(),
      values: { ...prebuildIdentity(), ...CLONE_VALUES },
      secrets: { [`${CLONE_SECRET}/username`]: CLONE_USER, [`${CLONE_SECRET}/password`]: env.git.token },
    });
    expect(pod.pod.containers.find((c) => c.name === 'devcontainer-builder')?.env.get('GH_TOKEN')).toBe('');
    await pod.start();
    await waitForReports(env.coder, 0);
    const used = env.git.requests.filter((r) => r.path.includes('/prebuilt') && r.authorized);
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used.map((r) => r.username))).toEqual(new Set([CLONE_USER]));
    containerId = await devContainerId(pod, FOLDER);
    startedAt = (await dind(pod, ['inspect', '--format', '{{.State.StartedAt}}', containerId])).stdout.trim();

    // The credential is in the clone step only: not in the agent container, not in the dev container, not in .git/config.
    for (const where of [
      (await pod.exec('devcontainer-agent', ['sh', '-c', 'env; ls -R /var/run 2>/dev/null'], { reject: false })).stdout,
      (await inDevContainer(pod, FOLDER, ['sh', '-c', `env; cat ${FOLDER}/.git/config; ls -R /var/run 2>/dev/null`])).stdout,
      await pod.logs('devcontainer-builder'),
    ]) {
      expect(secretsIn(where, [env.git.token])).toEqual([]);
      expect(where).not.toContain('clone-credential');
    }
  });

  it('15.2: resolved as the claim, the selector, the pod template and the claims are identical', () => {
    const before = claimSensitiveParts(env.template, prebuildValues());
    const after = claimSensitiveParts(env.template, claimValues());
    expect(after.selector).toEqual(before.selector);
    expect(after.template).toEqual(before.template);
    expect(after.pvcs).toEqual(before.pvcs);
    expect(after.deploymentName).toEqual(before.deploymentName);
    expect(after.secretNames).toEqual(before.secretNames);
    // The names did change: what changes is the Deployment's own metadata, in place.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const labels = (values: Record<string, string>) => resolveStrict((env.template as any).resource.kubernetes_deployment_v1.main.metadata.labels, values, 'metadata.labels');
    expect(labels(claimValues())).not.toEqual(labels(prebuildValues()));
  });

  it('15.2/15.4: after the claim the pod runs on untouched: no restart, the same dev container, one agent', async () => {
    expect(containerId, 'needs the prebuild').not.toBe('');
    const reports = env.coder.reports.length;
    // What a claim does to this pod: nothing (the previous test showed Kubernetes has no change to apply).
    await new Promise((r) => setTimeout(r, 5000));
    for (const name of ['dind', 'devcontainer-agent']) {
      const status = await pod.status(name);
      expect(status?.running, name).toBe(true);
      expect(status?.restartCount, name).toBe(0);
    }
    expect(await devContainerId(pod, FOLDER)).toBe(containerId);
    expect((await dind(pod, ['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}}', containerId])).stdout.trim()).toBe(`true ${startedAt}`);
    // One agent process in the dev container, and it did not start again.
    const agents = (await inDevContainer(pod, FOLDER, ['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\000" " " < "$f" 2>/dev/null; echo; done'])).stdout
      .split('\n').filter((l) => / agent\s*$/.test(l) && !l.includes('sh -c'));
    expect(agents).toHaveLength(1);
    expect(env.coder.reports.length).toBe(reports);
  });
});
