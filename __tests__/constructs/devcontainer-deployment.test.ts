import { describe, expect, it } from 'vitest';
import { DevcontainerDeployment, REQUIRED_PROPS, type DevcontainerDeploymentProps } from '../../constructs/devcontainer-deployment.js';
import { podParts, synth, variable } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
function build(overrides: Partial<DevcontainerDeploymentProps> = {}) {
  const parts = podParts();
  const props: DevcontainerDeploymentProps = {
    namespace: 'ns',
    deploymentName: 'ws',
    count: 1,
    builderImage: 'builder:1',
    sidecar: parts.dind,
    workspaces: parts.workspaces,
    agent: parts.agent,
    labels: { 'app.kubernetes.io/name': 'coder-workspace', id: 'w1' },
    selectorLabels: { id: 'w1' },
    agentUrl: 'https://coder.example',
    repository: 'https://github.com/o/r.git',
    branch: 'main',
    cacheFrom: 'ghcr.io/o/cache',
    rebuild: 'false',
    githubTokenSecret: { name: 'gh-secret', key: 'GH_TOKEN' },
    ...overrides,
  };
  const deployment = new DevcontainerDeployment(parts.stack, 'main', props);
  return { ...parts, deployment, props };
}
const podOf = (stack: any) => synth(stack).resource.kubernetes_deployment_v1.main.spec.template.spec;

describe('DevcontainerDeployment', () => {
  it('renders init containers [dind, devcontainer-builder] and the main container devcontainer-agent', () => {
    const pod = podOf(build().stack);
    expect(pod.init_container.map((c: any) => [c.name, c.args])).toEqual([
      ['dind', ['dockerd', '--host=unix:///var/run/dind/docker.sock']],
      ['devcontainer-builder', ['up']],
    ]);
    expect(pod.container.map((c: any) => [c.name, c.args])).toEqual([['devcontainer-agent', ['agent']]]);
  });

  it('is one replica, Recreate, not waited for, counted, with a 60 s grace period', () => {
    const json = synth(build({ count: 0 }).stack);
    const d = json.resource.kubernetes_deployment_v1.main;
    expect(d.count).toBe(0);
    expect(d.wait_for_rollout).toBe(false);
    expect(d.spec.replicas).toBe('1');
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.selector.match_labels).toEqual({ id: 'w1' });
    expect(d.spec.template.spec.termination_grace_period_seconds).toBe(60);
  });

  it('gives both builder containers the builder environment with the sidecar socket and agent tokens', () => {
    const pod = podOf(build({ workspaceFolder: '/workspaces/custom' }).stack);
    for (const c of [pod.init_container[1], pod.container[0]]) {
      expect(c.env).toEqual([
        { name: 'CODER_AGENT_URL', value: 'https://coder.example' },
        { name: 'CODER_AGENT_TOKEN', value: '${coder_agent.main.token}' },
        { name: 'CODER_INIT_SCRIPT', value: '${coder_agent.main.init_script}' },
        { name: 'DEVCONTAINER_REPOSITORY', value: 'https://github.com/o/r.git' },
        { name: 'DEVCONTAINER_BRANCH', value: 'main' },
        { name: 'DEVCONTAINER_CACHE_FROM', value: 'ghcr.io/o/cache' },
        { name: 'DEVCONTAINER_WORKSPACE_FOLDER', value: '/workspaces/custom' },
        { name: 'DEVCONTAINER_REBUILD', value: 'false' },
        { name: 'GH_TOKEN', value_from: { secret_key_ref: { name: 'gh-secret', key: 'GH_TOKEN' } } },
        { name: 'DOCKER_HOST', value: 'unix:///var/run/dind/docker.sock' },
      ]);
      expect(c.volume_mount).toEqual([
        { name: 'workspaces', mount_path: '/workspaces' },
        { name: 'dind-socket', mount_path: '/var/run/dind' },
      ]);
      expect(c.dynamic).toBeUndefined();
    }
  });

  it('issue 15.3: mounts a literal clone credential Secret read-only into the up init container only', () => {
    const pod = podOf(build({ cloneCredentialSecretName: 'repo-reader' }).stack);
    const [up, agent] = [pod.init_container[1], pod.container[0]];
    expect(up.env).toContainEqual({ name: 'DEVCONTAINER_CLONE_CREDENTIAL_DIR', value: '/var/run/devcontainer-builder/clone-credential' });
    expect(up.volume_mount).toContainEqual({ name: 'clone-credential', mount_path: '/var/run/devcontainer-builder/clone-credential', read_only: true });
    expect(JSON.stringify(agent)).not.toContain('clone-credential');
    expect(JSON.stringify(pod.init_container[0])).not.toContain('clone-credential');
    expect(pod.volume).toContainEqual({ name: 'clone-credential', secret: { secret_name: 'repo-reader', default_mode: '0400' } });
  });

  it('sets DEVCONTAINER_WORKSPACE_FOLDER only when given', () => {
    const pod = podOf(build().stack);
    expect(pod.container[0].env.map((e: any) => e.name)).not.toContain('DEVCONTAINER_WORKSPACE_FOLDER');
  });

  it('mounts a literal registry secret as DOCKER_CONFIG and pushes the cache', () => {
    const pod = podOf(build({ registryAuthSecretName: 'regcred', cacheTo: 'ghcr.io/o/cache' }).stack);
    const agent = pod.container[0];
    expect(agent.env).toContainEqual({ name: 'DEVCONTAINER_CACHE_TO', value: 'ghcr.io/o/cache' });
    expect(agent.env).toContainEqual({ name: 'DOCKER_CONFIG', value: '/var/run/docker-config' });
    expect(agent.volume_mount).toContainEqual({ name: 'docker-config', mount_path: '/var/run/docker-config', read_only: true });
    expect(pod.volume).toContainEqual({ name: 'docker-config', secret: { secret_name: 'regcred', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
  });

  it('makes registry auth and cache push conditional when the secret name is a variable', () => {
    const parts = build();
    const stack = parts.stack;
    const secret = variable(stack, 'registry_auth_secret');
    new DevcontainerDeployment(stack, 'other', { ...parts.props, registryAuthSecretName: secret, cacheTo: 'c' });
    const pod = synth(stack).resource.kubernetes_deployment_v1.other.spec.template.spec;
    const when = '${var.registry_auth_secret != "" ? [1] : []}';
    expect(pod.container[0].dynamic.env).toEqual([
      { for_each: when, content: { name: 'DEVCONTAINER_CACHE_TO', value: 'c' } },
      { for_each: when, content: { name: 'DOCKER_CONFIG', value: '/var/run/docker-config' } },
    ]);
    expect(pod.dynamic.volume.for_each).toBe(when);
  });

  it('lets later addEnv and addVolumeMount calls land in both builder containers', () => {
    const { stack, deployment } = build();
    deployment.addEnv({ name: 'EXTRA', value: '1' });
    deployment.addVolumeMount({ name: 'cache', source: { empty_dir: {} } }, { name: 'cache', mountPath: '/cache' });
    const pod = podOf(stack);
    for (const c of [pod.init_container[1], pod.container[0]]) {
      expect(c.env).toContainEqual({ name: 'EXTRA', value: '1' });
      expect(c.volume_mount).toContainEqual({ name: 'cache', mount_path: '/cache' });
    }
    expect(pod.volume.map((v: any) => v.name)).toEqual(['dind-socket', 'docker-data', 'workspaces', 'cache']);
    expect(pod.init_container[0].env).toEqual([{ name: 'DOCKER_TLS_CERTDIR', value: '' }]);
  });

  it('keeps the builder containers unprivileged, without escalation, running as root', () => {
    const pod = podOf(build().stack);
    for (const c of [pod.init_container[1], pod.container[0]]) {
      expect(c.security_context).toEqual({ privileged: false, allow_privilege_escalation: false, run_as_user: '0' });
    }
  });

  it('describes the Deployment with coder_metadata on its first instance', () => {
    const json = synth(build({ metadataItems: [{ key: 'x', value: 'y' }] }).stack);
    const m = json.resource.coder_metadata.main_metadata;
    expect(m.count).toBe(1);
    expect(m.resource_id).toBe('${kubernetes_deployment_v1.main[0].id}');
    expect(m.item.map((i: any) => i.key)).toEqual(['repository', 'branch', 'builder image', 'dind image', 'x']);
  });

  it('fails when addEnv repeats a name', () => {
    const { deployment } = build();
    expect(() => deployment.addEnv({ name: 'GH_TOKEN', value: 'x' })).toThrowError(
      'DevcontainerDeployment: environment variable "GH_TOKEN" is defined twice; give each environment variable a unique name.',
    );
  });

  it('fails when addVolumeMount reuses a volume name', () => {
    const { deployment } = build();
    expect(() => deployment.addVolumeMount({ name: 'workspaces', source: { empty_dir: {} } }, { name: 'workspaces', mountPath: '/other' })).toThrowError(
      'DevcontainerDeployment: volume "workspaces" is defined twice; give each volume a unique name.',
    );
  });

  it('fails when addVolumeMount reuses a mount path', () => {
    const { deployment } = build();
    expect(() => deployment.addVolumeMount({ name: 'x', source: { empty_dir: {} } }, { name: 'x', mountPath: '/workspaces' })).toThrowError(
      'DevcontainerDeployment: mount path "/workspaces" is defined twice; give each mount path a unique name.',
    );
  });

  it('fails when cacheTo is set without registryAuthSecretName', () => {
    expect(() => build({ cacheTo: 'ghcr.io/o/cache' })).toThrowError(
      'DevcontainerDeployment: cacheTo is set but registryAuthSecretName is not; pushing a cache needs registry credentials, so set both or neither.',
    );
  });

  it('issue 11.6: mounts no service account token, and selects nodes when asked', () => {
    expect(podOf(build().stack).automount_service_account_token).toBe(false);
    expect(podOf(build().stack).node_selector).toBeUndefined();
    expect(podOf(build({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }).stack).node_selector).toEqual({ 'kubernetes.io/arch': 'arm64' });
  });

  it("issue 11.6: the soft anti-affinity excludes the Deployment's own pods by their selector labels", () => {
    const [term] = podOf(build().stack).affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution;
    expect(term.pod_affinity_term.label_selector[0].match_expressions).toEqual([
      { key: 'app.kubernetes.io/name', operator: 'In', values: ['coder-workspace'] },
      { key: 'id', operator: 'NotIn', values: ['w1'] },
    ]);
  });

  it('keeps object labels and annotations off the pod when pod labels are given', () => {
    const json = synth(build({ podLabels: { id: 'w1' }, annotations: { a: 'b' }, podAnnotations: { c: 'd' } }).stack);
    const d = json.resource.kubernetes_deployment_v1.main;
    expect(d.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'coder-workspace', id: 'w1' });
    expect(d.metadata.annotations).toEqual({ a: 'b' });
    expect(d.spec.template.metadata).toEqual({ labels: { id: 'w1' }, annotations: { c: 'd' } });
  });

  it('passes a rewritten init script to both builder containers when given', () => {
    const pod = podOf(build({ initScript: '${local.agent_init_script}' }).stack);
    for (const c of [pod.init_container[1], pod.container[0]]) {
      expect(c.env.find((e: any) => e.name === 'CODER_INIT_SCRIPT').value).toBe('${local.agent_init_script}');
    }
  });

  it('fails when a selector label is missing from the pod labels', () => {
    expect(() => build({ selectorLabels: { team: 'a' } })).toThrowError(
      'DevcontainerDeployment: selectorLabels["team"] is "a" but the pod label "team" is "undefined"; the pod labels must contain every selector label.',
    );
  });

  it.each(REQUIRED_PROPS)('fails when the required prop %s is missing', (prop) => {
    expect(() => build({ [prop]: undefined })).toThrowError(`DevcontainerDeployment: required prop "${prop}" is missing; pass it to the constructor.`);
  });
});
