// The pod runner is the ground the end-to-end scenarios stand on: these tests
// pin that it runs a pod the way the kubelet would (order, probe, shared
// network namespace, volumes, env) and that it refuses what it cannot map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { prepareDebianBase, testImages } from '../support/images.js';
import { longestNameValues } from '../support/longest-names.js';
import { PodFailure, PodRunner, PodSpecError, createTestNetwork, resolvePod, sweepLeftovers, validateObjects } from '../support/pod-runner.js';
import { synthTemplate } from '../support/synth.js';
import { templateSecrets } from './workspace-pod.js';

const values = { 'coder_agent.main.token': 'tok-123', 'data.coder_parameter.repo.value': 'http://git/repo.git' };
const secrets = { 'gh/token': 'line one\nline two' };

/** A deployment as cdktf synthesizes it: blocks as lists, Terraform references as `${…}`. */
function deployment(overrides: { init?: object[]; container?: object[] } = {}) {
  const sidecar = {
    name: 'side',
    image: 'base:tmpl',
    restart_policy: 'Always',
    command: ['sh', '-c', 'sleep 2; touch /shared/ready; exec sleep infinity'],
    startup_probe: [{ exec: [{ command: ['test', '-f', '/shared/ready'] }], period_seconds: 1, failure_threshold: 30 }],
    volume_mount: [
      { name: 'shared', mount_path: '/shared' },
      { name: 'data', mount_path: '/data' },
    ],
  };
  const init = {
    name: 'init',
    image: 'base:tmpl',
    command: ['sh', '-c'],
    args: [
      'test -f /shared/ready && printf "%s|%s" "$GREETING" "$SECRET" > /data/env && ls /shared | tr "\\n" " " > /data/shared-at-init' +
        ' && echo $(($(cat /data/runs 2>/dev/null || echo 0)+1)) > /data/runs',
    ],
    env: [
      { name: 'TOKEN', value: '${coder_agent.main.token}' },
      { name: 'GREETING', value: 'hello-$(TOKEN)-$$(TOKEN)' },
      { name: 'SECRET', value_from: [{ secret_key_ref: [{ name: 'gh', key: 'token' }] }] },
    ],
    volume_mount: [
      { name: 'shared', mount_path: '/shared' },
      { name: 'data', mount_path: '/data' },
    ],
  };
  const main = {
    name: 'main',
    image: 'base:tmpl',
    command: ['sh', '-c', 'touch /shared/main-was-here; exec sleep infinity'],
    volume_mount: [
      { name: 'shared', mount_path: '/shared' },
      { name: 'data', mount_path: '/data' },
    ],
  };
  return {
    resource: {
      kubernetes_persistent_volume_claim_v1: { data: { metadata: [{ name: 'ws-data', labels: { app: 'ws' } }] } },
      kubernetes_deployment_v1: {
        ws: {
          count: '${data.coder_workspace.me.start_count}',
          metadata: [{ name: 'ws', labels: { app: 'ws' } }],
          spec: [
            {
              selector: [{ match_labels: { app: 'ws' } }],
              template: [
                {
                  metadata: [{ labels: { app: 'ws' } }],
                  spec: [
                    {
                      runtime_class_name: 'sysbox-runc',
                      termination_grace_period_seconds: 2,
                      init_container: overrides.init ?? [sidecar, init],
                      container: overrides.container ?? [main],
                      volume: [
                        { name: 'shared', empty_dir: [{}] },
                        { name: 'data', persistent_volume_claim: [{ claim_name: '${kubernetes_persistent_volume_claim_v1.data.metadata[0].name}' }] },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
    },
  };
}

describe('resolvePod', () => {
  const images = { 'base:tmpl': 'local/base' };

  it('fails when the template references a value the test did not map', () => {
    const tpl = deployment();
    const env = (tpl.resource.kubernetes_deployment_v1.ws.spec[0]!.template[0]!.spec[0]!.init_container[1] as { env: object[] }).env;
    env.push({ name: 'URL', value: '${data.coder_workspace.me.access_url}' });
    expect(() => resolvePod(tpl, { images, values, secrets })).toThrowError(
      /init_container\[1\]\.env\[3\] \(URL\): the template references \$\{data\.coder_workspace\.me\.access_url\}, which the test did not map/,
    );
  });

  it('fails when a secret is not mapped or an image has no local substitute', () => {
    expect(() => resolvePod(deployment(), { images, values, secrets: {} })).toThrowError(/secret gh\/token is not mapped/);
    expect(() => resolvePod(deployment(), { images: {}, values, secrets })).toThrowError(/image base:tmpl has no local substitute/);
  });

  it('fails on a mount of an undeclared volume and on probes of regular init containers', () => {
    const badMount = deployment({ container: [{ name: 'm', image: 'base:tmpl', volume_mount: [{ name: 'nope', mount_path: '/x' }] }] });
    expect(() => resolvePod(badMount, { images, values, secrets })).toThrowError(/volume nope is not declared/);
    const probed = deployment({ init: [{ name: 'i', image: 'base:tmpl', startup_probe: [{ exec: [{ command: ['true'] }] }] }] });
    expect(() => resolvePod(probed, { images, values, secrets })).toThrowError(/only native sidecars may carry a startup probe/);
  });

  it('maps command to the entrypoint and args after the image, like Kubernetes', () => {
    const pod = resolvePod(deployment(), { images, values, secrets });
    const runner = Object.create(PodRunner.prototype) as PodRunner;
    Object.defineProperty(runner, 'options', { value: { name: 'p' } });
    Object.defineProperty(runner, 'pod', { value: pod });
    const init = pod.containers.find((c) => c.name === 'init')!;
    const argv = runner.dockerRunArgs(init, '/tmp/envfile', []);
    expect(argv.slice(argv.indexOf('--entrypoint'))).toEqual(['--entrypoint', 'sh', 'local/base', '-c', init.args![0]]);
    const argsOnly = { ...init, command: undefined, args: ['x', 'y'] };
    const argv2 = runner.dockerRunArgs(argsOnly, '/tmp/envfile', []);
    expect(argv2).not.toContain('--entrypoint');
    expect(argv2.slice(-3)).toEqual(['local/base', 'x', 'y']);
    // Secret values never appear in the argv.
    expect(argv.join(' ')).not.toContain('tok-123');
    expect(pod.notes.join('\n')).toMatch(/runtime_class_name sysbox-runc ignored/);
    expect(init.env.get('GREETING')).toBe('hello-tok-123-$(TOKEN)');
  });
});

describe('resolvePod: Secret volumes', () => {
  const images = { 'base:tmpl': 'local/base' };
  const withSecretVolume = (volume: object, readOnly?: boolean) => {
    const tpl = deployment({ container: [{ name: 'm', image: 'base:tmpl', volume_mount: [{ name: 'cfg', mount_path: '/cfg', ...(readOnly === undefined ? {} : { read_only: readOnly }) }] }] });
    (tpl.resource.kubernetes_deployment_v1.ws.spec[0]!.template[0]!.spec[0]!.volume as object[]).push({ name: 'cfg', secret: [volume] });
    return tpl;
  };

  it('projects the selected keys to their paths and always mounts read-only, as the kubelet does', () => {
    const tpl = withSecretVolume({ secret_name: 'regcred', items: [{ key: '.dockerconfigjson', path: 'config.json' }] }, false);
    const pod = resolvePod(tpl, { images, values, secrets: { ...secrets, 'regcred/.dockerconfigjson': '{"auths":{}}', 'regcred/other': 'x' } });
    expect(pod.volumes.find((v) => v.name === 'cfg')).toEqual({ name: 'cfg', kind: 'secret', files: { 'config.json': '{"auths":{}}' } });
    expect(pod.containers.find((c) => c.name === 'm')!.mounts).toEqual([{ volume: 'cfg', path: '/cfg', readOnly: true }]);
  });

  it('fails on a key the test did not map, unless optional; without items every key is a file', () => {
    expect(() => resolvePod(withSecretVolume({ secret_name: 'regcred', items: [{ key: '.dockerconfigjson', path: 'config.json' }] }), { images, values, secrets }))
      .toThrowError(/secret regcred key \.dockerconfigjson is not mapped by the test/);
    const optional = resolvePod(withSecretVolume({ secret_name: 'regcred', optional: true, items: [{ key: '.dockerconfigjson', path: 'config.json' }] }), { images, values, secrets });
    expect(optional.volumes.find((v) => v.name === 'cfg')!.files).toEqual({});
    const all = resolvePod(withSecretVolume({ secret_name: 'gh' }), { images, values, secrets });
    expect(all.volumes.find((v) => v.name === 'cfg')!.files).toEqual({ token: 'line one\nline two' });
  });
});

describe('the synthesized template, as the scenarios resolve it', () => {
  // Values as the scenarios map them (workspace-pod.ts templateValues); any
  // new reference in the template fails here first, without Docker.
  const scenarioValues: Record<string, string> = {
    'coder_agent.main.token': 'tok',
    ...longestNameValues(),
    'var.namespace': 'coder-workspace',
    'var.arch': 'amd64',
    'local.agent_init_script': '#!/bin/sh\nexit 0\n',
    'local.coder_url': 'http://10.213.0.1:1/',
    'data.coder_parameter.repository.value': 'http://10.213.0.1:2/app.git',
    'data.coder_parameter.git_branch.value': '',
    'data.coder_parameter.rebuild.value': 'false',
    'data.coder_parameter.devcontainer_config.value': '',
    'data.coder_parameter.cpu.value': '2',
    'data.coder_parameter.memory.value': '4',
    'data.coder_parameter.docker_volume_size.value': '30',
    'data.coder_external_auth.github.access_token': 'gh',
    'var.cache_repo': '',
    'var.ssh_known_hosts': '',
    'var.up_timeout_seconds': '3600',
    'var.registry_auth_secret != "" ? [1] : []': '[]',
    'var.clone_credential_secret': '',
    'var.clone_credential_secret != "" ? [1] : []': '[]',
    'var.builder_image': 'builder',
    'var.fallback_image == "none" ? "" : (var.fallback_image != "" ? var.fallback_image : var.builder_image)': 'recovery',
    'var.dind_image': 'dind',
    'var.runtime_class_name == ""': 'true',
    'var.runtime_class_name != "" ? var.runtime_class_name : null': '',
    'local.runtime_class_name != "" ? local.runtime_class_name : null': '',
    'var.gpu_count >= 1 ? "all" : "none"': 'none',
  };

  it('is a native DinD sidecar with a probe, the builder init container, then the agent, sharing /workspaces and the socket', async () => {
    const { json } = await synthTemplate();
    const pod = resolvePod(json, { images: (ref) => ref, values: scenarioValues, secrets: templateSecrets(json, scenarioValues) });
    expect(pod.containers.map((c) => `${c.kind}:${c.name}:${c.image}`)).toEqual([
      'sidecar:dind:dind',
      'init:devcontainer-builder:builder',
      'main:devcontainer-agent:builder',
    ]);
    const [sidecar, builder, agent] = pod.containers;
    expect(sidecar!.startupProbe?.command.join(' ')).toContain('docker');
    expect(sidecar!.privileged).toBe(true);
    for (const c of [builder!, agent!]) {
      expect(c.privileged).toBe(false);
      const mount = (path: string) => c.mounts.find((m) => m.path === path)?.volume;
      expect(mount('/workspaces')).toBe(sidecar!.mounts.find((m) => m.path === '/workspaces')?.volume);
      const socketDir = c.env.get('DOCKER_HOST')?.replace(/^unix:\/\//, '').replace(/\/[^/]+$/, '');
      expect(socketDir && mount(socketDir)).toBe(sidecar!.mounts.find((m) => m.path === socketDir)?.volume);
      expect(c.env.get('CODER_AGENT_TOKEN')).toBe('tok');
      expect(c.env.get('DEVCONTAINER_FALLBACK_IMAGE')).toBe('recovery');
    }
    expect(pod.volumes.filter((v) => v.kind === 'pvc').map((v) => v.name).sort()).toEqual(['docker-data', 'workspaces']);
  });

  it('issue 11.1: has objects the Kubernetes API accepts for 32-character owner and workspace names', async () => {
    const { json } = await synthTemplate();
    expect(() => validateObjects(json, scenarioValues)).not.toThrow();
  });
});

describe('validateObjects', () => {
  it('issue 11.1: refuses a template the API server would reject, naming each field', () => {
    const tpl = deployment();
    const ws = tpl.resource.kubernetes_deployment_v1.ws;
    (ws.spec[0]!.template[0] as { metadata: { labels: Record<string, string> }[] }).metadata[0]!.labels['app.kubernetes.io/instance'] =
      'coder-workspace-${lower(data.coder_workspace_owner.me.name)}-${lower(data.coder_workspace.me.name)}';
    expect(() => validateObjects(tpl, { ...values, ...longestNameValues() })).toThrowError(PodSpecError);
    expect(() => validateObjects(tpl, { ...values, ...longestNameValues() })).toThrowError(
      /spec\.template\.metadata\.labels\[app\.kubernetes\.io\/instance\]: "coder-workspace-owner-with-the-longest-name-0032-workspace-with-longest-name-0032" must be no more than 63 characters \(is 81\)/,
    );
    expect(() => validateObjects(deployment(), values)).not.toThrow();
  });
});

describeDocker('PodRunner on Docker', () => {
  let network: Awaited<ReturnType<typeof createTestNetwork>>;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    await sweepLeftovers();
    await prepareDebianBase();
    network = await createTestNetwork(`cdk-e2e-runner-${process.pid}`, '10.213.1.0/24');
    cleanups.push(network.remove);
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  const runner = (template: object, name: string) => {
    const r = new PodRunner(template, {
      name: `cdk-e2e-${name}-${process.pid}`,
      network: network.name,
      sandboxImage: testImages.debian,
      images: { 'base:tmpl': testImages.debian },
      values,
      secrets,
    });
    cleanups.push(() => r.destroy());
    return r;
  };

  it('runs sidecar, init and main in order in one network namespace; PVCs survive a restart, emptyDirs do not', async () => {
    const pod = runner(deployment(), 'order');
    const first = await pod.start();
    expect(first.milestones['side:ready']).toBeGreaterThan(first.milestones['side:started']!);
    expect(first.milestones['init:completed']).toBeGreaterThanOrEqual(first.milestones['side:ready']!);
    expect((await pod.exec('main', ['cat', '/data/env'])).stdout).toBe('hello-tok-123-$(TOKEN)|line one\nline two');
    const ns = async (c: string) => (await pod.exec(c, ['readlink', '/proc/self/ns/net'])).stdout.trim();
    expect(await ns('main')).toBe(await ns('side'));
    expect((await pod.exec('main', ['test', '-f', '/shared/main-was-here'])).exitCode).toBe(0);

    await pod.stop();
    await pod.start();
    expect((await pod.exec('main', ['cat', '/data/runs'])).stdout.trim()).toBe('2');
    // The init container of the second run saw a fresh emptyDir: main's marker was gone.
    expect((await pod.exec('main', ['cat', '/data/shared-at-init'])).stdout.trim()).toBe('ready');
  });

  it('fails the pod with the logs of an init container that exits non-zero', async () => {
    const failing = deployment({
      init: [{ name: 'boom', image: 'base:tmpl', command: ['sh', '-c', 'echo last words of boom; exit 3'] }],
    });
    const pod = runner(failing, 'fail');
    const error = await pod.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodFailure);
    expect((error as PodFailure).exitCode).toBe(3);
    expect((error as PodFailure).message).toMatch(/init container boom exited with 3[\s\S]*last words of boom/);
  });

  it('fails the pod when the sidecar never passes its startup probe', async () => {
    const neverReady = deployment({
      init: [
        {
          name: 'side',
          image: 'base:tmpl',
          restart_policy: 'Always',
          command: ['sleep', 'infinity'],
          startup_probe: [{ exec: [{ command: ['false'] }], period_seconds: 1, failure_threshold: 2 }],
        },
      ],
    });
    const pod = runner(neverReady, 'probe');
    await expect(pod.start()).rejects.toThrowError(/sidecar side: startup probe failed 2 times/);
  });
});
