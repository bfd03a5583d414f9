import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFO_DIR } from '../builder/steps/record-info.js';
import { DEVCONTAINER_INFO_DIR } from '../constructs/template-stack.js';
import { renderInitScript } from './support/coder-init-script.js';
import { IN_CI } from './support/shared-dir.js';
import { synthTemplate } from './support/synth.js';
import { evaluateLocal, terraformAvailable } from './support/terraform-eval.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let json: any;
let dir: string;
let pod: any;
const container = (name: string) => [...pod.init_container, ...pod.container].find((c: any) => c.name === name);
const dynamicBlocks = (body: any, type: string): any[] => {
  const d = body.dynamic?.[type];
  return d === undefined ? [] : Array.isArray(d) ? d : [d];
};
/** Every env var of a container: static ones, then those of `dynamic "env"` blocks with their condition. */
const envOf = (c: any): { name: string; value: string; when?: string }[] => [
  ...(c.env ?? []),
  ...dynamicBlocks(c, 'env').map((b) => ({ ...b.content, when: b.for_each })),
];
const envValue = (c: any, name: string) => envOf(c).find((e) => e.name === name)?.value;
const mountPath = (c: any, volume: string) => c.volume_mount.find((m: any) => m.name === volume)?.mount_path;

const BUILDER_ENV = [
  'CODER_AGENT_URL',
  'CODER_AGENT_TOKEN',
  'CODER_INIT_SCRIPT',
  'DEVCONTAINER_REPOSITORY',
  'DEVCONTAINER_BRANCH',
  'DEVCONTAINER_CACHE_FROM',
  'DEVCONTAINER_CACHE_TO',
  'DEVCONTAINER_REBUILD',
  'DEVCONTAINER_UP_TIMEOUT_SECONDS',
  'DEVCONTAINER_FALLBACK_IMAGE',
  'DEVCONTAINER_SSH_KNOWN_HOSTS',
  'DEVCONTAINER_CONFIG',
  'DEVCONTAINER_WORKSPACE_CPUS',
  'DEVCONTAINER_WORKSPACE_MEMORY_GIB',
  'DEVCONTAINER_WORKSPACE_STORAGE_GIB',
  'DEVCONTAINER_GPU_AVAILABILITY',
  'GH_TOKEN',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
];
const BUILDERS = ['devcontainer-builder', 'devcontainer-agent'];

beforeAll(async () => {
  ({ json, dir } = await synthTemplate());
  pod = json.resource.kubernetes_deployment_v1.main.spec.template.spec;
});

describe('the synthesized template', () => {
  it('matches the reviewed snapshot', () => {
    expect(json).toMatchSnapshot();
  });

  it('has no backend block: Coder keeps the state', () => {
    expect(json.terraform.backend).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/tfstate/);
  });

  it('pins coder/coder 2.17.0 and hashicorp/kubernetes 3.0.1 exactly', () => {
    expect(json.terraform.required_providers).toEqual({
      coder: { source: 'coder/coder', version: '2.17.0' },
      kubernetes: { source: 'hashicorp/kubernetes', version: '3.0.1' },
    });
    // No arguments: the provisioner's in-cluster configuration.
    expect(json.provider.kubernetes).toEqual([{}]);
  });

  it('names the agent exactly "main" (Coder rejects underscores in agent names)', () => {
    expect(Object.keys(json.resource.coder_agent)).toEqual(['main']);
  });
});

describe('the workspace pod', () => {
  it('runs the DinD native sidecar first, with restart_policy Always, then the builder', () => {
    expect(pod.init_container.map((c: any) => c.name)).toEqual(['dind', 'devcontainer-builder']);
    expect(pod.init_container[0].restart_policy).toBe('Always');
    expect(pod.init_container[1].restart_policy).toBeUndefined();
    expect(pod.container.map((c: any) => c.name)).toEqual(['devcontainer-agent']);
  });

  it('mounts /workspaces at the identical path in the sidecar and both builder containers', () => {
    const paths = ['dind', ...BUILDERS].map((name) => mountPath(container(name), 'workspaces'));
    expect(paths).toEqual(['/workspaces', '/workspaces', '/workspaces']);
  });

  it('points DOCKER_HOST of both builder containers at the socket dockerd listens on', () => {
    const dind = container('dind');
    const host = dind.args.find((a: string) => a.startsWith('--host=')).slice('--host='.length);
    expect(host).toBe('unix:///var/run/dind/docker.sock');
    for (const name of BUILDERS) {
      expect(envValue(container(name), 'DOCKER_HOST')).toBe(host);
      expect(mountPath(container(name), 'dind-socket')).toBe(mountPath(dind, 'dind-socket'));
    }
    expect(dind.startup_probe.exec.command).toEqual(['docker', `--host=${host}`, 'info']);
    expect(dind.startup_probe.period_seconds * dind.startup_probe.failure_threshold).toBe(120);
  });

  it('runs dockerd as docker:dind expects: dockerd args and an empty DOCKER_TLS_CERTDIR', () => {
    const dind = container('dind');
    expect(dind.args).toEqual(['dockerd', '--host=unix:///var/run/dind/docker.sock']);
    expect(envOf(dind)).toEqual([{ name: 'DOCKER_TLS_CERTDIR', value: '' }]);
    expect(mountPath(dind, 'docker-data')).toBe('/var/lib/docker');
  });

  it('makes DinD privileged unless a runtime class is set, and sets the runtime class only when given', () => {
    expect(container('dind').security_context.privileged).toBe('${var.runtime_class_name == ""}');
    expect(pod.runtime_class_name).toBe('${local.runtime_class_name != "" ? local.runtime_class_name : null}');
    // One RuntimeClass per pod: runtime_class_name wins, the GPU one only with GPUs.
    expect(json.locals.runtime_class_name).toBe('${var.runtime_class_name != "" ? var.runtime_class_name : (var.gpu_count >= 1 ? var.gpu_runtime_class_name : "")}');
  });

  it('issue 14.2: gives the sidecar gpu_count GPUs and the builder the matching --gpu-availability and the workspace size', () => {
    for (const name of BUILDERS) {
      const c = container(name);
      expect(envValue(c, 'DEVCONTAINER_GPU_AVAILABILITY')).toBe('${var.gpu_count >= 1 ? "all" : "none"}');
      expect(envValue(c, 'DEVCONTAINER_CONFIG')).toBe('${data.coder_parameter.devcontainer_config.value}');
      expect(envValue(c, 'DEVCONTAINER_WORKSPACE_CPUS')).toBe('${data.coder_parameter.cpu.value}');
      expect(envValue(c, 'DEVCONTAINER_WORKSPACE_MEMORY_GIB')).toBe('${data.coder_parameter.memory.value}');
      expect(envValue(c, 'DEVCONTAINER_WORKSPACE_STORAGE_GIB')).toBe('${data.coder_parameter.docker_volume_size.value}');
    }
    expect(json.variable.gpu_count).toMatchObject({ type: 'number', default: 0, nullable: false });
  });

  it('gives the builder containers only args, no privilege and no escalation', () => {
    expect(container('devcontainer-builder').args).toEqual(['up']);
    expect(container('devcontainer-agent').args).toEqual(['agent']);
    for (const name of BUILDERS) {
      expect(container(name).command).toBeUndefined();
      expect(container(name).security_context).toEqual({ privileged: false, allow_privilege_escalation: false, run_as_user: '0' });
    }
  });

  it('passes every builder environment variable to both builder containers (the clone credential to up only)', () => {
    expect(envOf(container('devcontainer-agent')).map((e) => e.name).sort()).toEqual([...BUILDER_ENV].sort());
    expect(envOf(container('devcontainer-builder')).map((e) => e.name).sort()).toEqual([...BUILDER_ENV, 'DEVCONTAINER_CLONE_CREDENTIAL_DIR'].sort());
  });

  it('takes the agent token and init script from coder_agent.main and the GitHub token from external auth', () => {
    for (const name of BUILDERS) {
      const c = container(name);
      expect(envValue(c, 'CODER_AGENT_TOKEN')).toBe('${coder_agent.main.token}');
      expect(envValue(c, 'CODER_INIT_SCRIPT')).toBe('${local.agent_init_script}');
      // From a Secret, so a claim's new token never changes the pod template (issue 15.2).
      expect(envOf(c).find((e) => e.name === 'GH_TOKEN')).toEqual({ name: 'GH_TOKEN', value_from: { secret_key_ref: { name: 'coder-${data.coder_workspace.me.id}-github-token', key: 'GH_TOKEN' } } });
      expect(envValue(c, 'CODER_AGENT_URL')).toBe('${local.coder_url}');
    }
  });

  it('issue 12.2: passes the up_timeout_seconds variable (default 3600, a cold build) to the builder as DEVCONTAINER_UP_TIMEOUT_SECONDS', () => {
    for (const name of BUILDERS) expect(envValue(container(name), 'DEVCONTAINER_UP_TIMEOUT_SECONDS')).toBe('${var.up_timeout_seconds}');
    expect(json.variable.up_timeout_seconds).toMatchObject({ type: 'string', default: '3600', nullable: false });
  });

  it('issue 15.2: keeps the GitHub token in a Secret of the workspace id, created before the Deployment and gone while stopped', () => {
    expect(json.resource.kubernetes_secret_v1.github_token).toMatchObject({
      count: '${data.coder_workspace.me.start_count}',
      type: 'Opaque',
      metadata: { name: 'coder-${data.coder_workspace.me.id}-github-token', namespace: '${var.namespace}' },
      data: { GH_TOKEN: '${data.coder_external_auth.github.access_token}' },
    });
    expect(json.resource.kubernetes_deployment_v1.main.depends_on).toEqual(['kubernetes_secret_v1.github_token']);
  });

  it('issue 15.3: gives only the up init container the clone credential, when clone_credential_secret is set', () => {
    const condition = '${var.clone_credential_secret != "" ? [1] : []}';
    const up = container('devcontainer-builder');
    expect(dynamicBlocks(up, 'env')).toContainEqual({ for_each: condition, content: { name: 'DEVCONTAINER_CLONE_CREDENTIAL_DIR', value: '/var/run/devcontainer-builder/clone-credential' } });
    expect(dynamicBlocks(up, 'volume_mount')).toContainEqual({ for_each: condition, content: { name: 'clone-credential', mount_path: '/var/run/devcontainer-builder/clone-credential', read_only: true } });
    for (const other of ['dind', 'devcontainer-agent']) expect(JSON.stringify(container(other))).not.toContain('clone');
    expect(dynamicBlocks(pod, 'volume')).toContainEqual({ for_each: condition, content: { name: 'clone-credential', secret: { secret_name: '${var.clone_credential_secret}', default_mode: '0400' } } });
    expect(json.variable.clone_credential_secret).toMatchObject({ type: 'string', default: '' });
  });

  it('issue 11.5: passes the ssh_known_hosts variable to the builder as DEVCONTAINER_SSH_KNOWN_HOSTS', () => {
    for (const name of BUILDERS) expect(envValue(container(name), 'DEVCONTAINER_SSH_KNOWN_HOSTS')).toBe('${var.ssh_known_hosts}');
    expect(json.variable.ssh_known_hosts).toMatchObject({ type: 'string', default: '', nullable: false });
  });

  it('never passes a token as an argument or command', () => {
    for (const c of [...pod.init_container, ...pod.container]) {
      expect(JSON.stringify([c.args ?? [], c.command ?? []])).not.toMatch(/token|access_token/);
    }
  });

  it('sets DOCKER_CONFIG, its secret mount and DEVCONTAINER_CACHE_TO only when registry_auth_secret is set', () => {
    const condition = '${var.registry_auth_secret != "" ? [1] : []}';
    const registry = (blocks: any[]) => blocks.filter((b) => b.for_each === condition);
    for (const name of BUILDERS) {
      const c = container(name);
      const conditional = envOf(c).filter((e) => e.when === condition);
      expect(conditional.map((e) => [e.name, e.when])).toEqual([
        ['DEVCONTAINER_CACHE_TO', condition],
        ['DOCKER_CONFIG', condition],
      ]);
      expect(envValue(c, 'DOCKER_CONFIG')).toBe('/var/run/docker-config');
      expect(registry(dynamicBlocks(c, 'volume_mount'))).toEqual([
        { for_each: condition, content: { name: 'docker-config', mount_path: '/var/run/docker-config', read_only: true } },
      ]);
    }
    expect(registry(dynamicBlocks(pod, 'volume'))).toEqual([
      {
        for_each: condition,
        content: { name: 'docker-config', secret: { secret_name: '${var.registry_auth_secret}', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } },
      },
    ]);
  });

  it('spends the CPU and memory parameters on the sidecar, where the dev container runs', () => {
    // With gpu_count > 0 the nvidia.com/gpu limit is merged in at plan time (evaluated in kubernetes-validation.test.ts).
    expect(container('dind').resources.limits).toBe(
      '${merge({"cpu" = data.coder_parameter.cpu.value, "memory" = "${data.coder_parameter.memory.value}Gi"}, (var.gpu_count >= 1) ? {"nvidia.com/gpu" = tostring(var.gpu_count)} : {})}',
    );
  });

  it('declares the three pod volumes by their contract names', () => {
    expect(pod.volume.map((v: any) => v.name)).toEqual(['dind-socket', 'docker-data', 'workspaces']);
    expect(pod.volume[0].empty_dir).toEqual({});
  });
});

describe('the Deployment and the volumes', () => {
  it('counts the Deployment by start_count; the PVCs have no count and survive stops', () => {
    const deployment = json.resource.kubernetes_deployment_v1.main;
    expect(deployment.count).toBe('${data.coder_workspace.me.start_count}');
    for (const pvc of Object.values(json.resource.kubernetes_persistent_volume_claim_v1) as any[]) {
      expect(pvc.count).toBeUndefined();
      expect(pvc.wait_until_bound).toBe(false);
      expect(pvc.spec.storage_class_name).toBe('${var.storage_class != "" ? var.storage_class : null}');
    }
    expect(Object.keys(json.resource.kubernetes_persistent_volume_claim_v1).sort()).toEqual(['docker_data', 'workspaces']);
  });

  it('runs one replica, recreated, without waiting for rollout, spread softly across hosts', () => {
    const deployment = json.resource.kubernetes_deployment_v1.main;
    expect(deployment.wait_for_rollout).toBe(false);
    expect(deployment.spec.replicas).toBe('1');
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const [term] = pod.affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution;
    expect(term.pod_affinity_term.topology_key).toBe('kubernetes.io/hostname');
  });

  it("issue 11.6: the anti-affinity repels other workspaces' pods, never the workspace's own terminating pod", () => {
    const [term] = pod.affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution;
    expect(term.pod_affinity_term.label_selector[0].match_expressions).toEqual([
      { key: 'app.kubernetes.io/name', operator: 'In', values: ['coder-workspace'] },
      { key: 'com.coder.workspace.id', operator: 'NotIn', values: ['${data.coder_workspace.me.id}'] },
    ]);
    // The pods carry the label the exclusion keys on.
    expect(json.resource.kubernetes_deployment_v1.main.spec.template.metadata.labels['com.coder.workspace.id']).toBe('${data.coder_workspace.me.id}');
  });

  it("issue 11.6: mounts no service account token into the pod's containers", () => {
    expect(pod.automount_service_account_token).toBe(false);
  });

  it('issue 11.6: one arch variable drives the agent binary and the kubernetes.io/arch node selector', () => {
    expect(json.resource.coder_agent.main.arch).toBe('${var.arch}');
    expect(pod.node_selector).toEqual({ 'kubernetes.io/arch': '${var.arch}' });
    expect(json.variable.arch.default).toBe('amd64');
    expect(json.variable.arch.validation[0].condition).toBe('${contains(["amd64","arm64"], var.arch)}');
    expect(json.data.coder_provisioner).toBeUndefined();
  });

  it('issue 11.6: pvc_access_mode sets both claims, and a later change never replaces an existing claim', () => {
    for (const claim of Object.values(json.resource.kubernetes_persistent_volume_claim_v1) as any[]) {
      expect(claim.spec.access_modes).toEqual(['${var.pvc_access_mode}']);
      expect(claim.lifecycle.ignore_changes).toEqual(['spec[0].access_modes']);
    }
    expect(json.variable.pvc_access_mode.default).toBe('ReadWriteOnce');
    expect(json.variable.pvc_access_mode.validation[0].condition).toBe('${contains(["ReadWriteOnce","ReadWriteOncePod","ReadWriteMany"], var.pvc_access_mode)}');
  });

  it("carries Coder's standard labels and the owner email annotation on the Deployment only; the pod and the claims carry the workspace id", () => {
    const deployment = json.resource.kubernetes_deployment_v1.main;
    const { labels, annotations } = deployment.metadata;
    // Issue 15.2: a claim changes owner and name; claims and pods must not change with them.
    for (const claim of Object.values(json.resource.kubernetes_persistent_volume_claim_v1) as any[]) {
      expect(claim.metadata.labels).toEqual(deployment.spec.template.metadata.labels);
      expect(claim.metadata.annotations).toBeUndefined();
    }
    expect(Object.keys(deployment.spec.template.metadata.labels).sort()).toEqual([
      'app.kubernetes.io/instance',
      'app.kubernetes.io/name',
      'app.kubernetes.io/part-of',
      'com.coder.resource',
      'com.coder.workspace.id',
    ]);
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    expect(labels['app.kubernetes.io/instance']).toBe('coder-workspace-${data.coder_workspace.me.id}');
    expect(Object.keys(labels).sort()).toEqual([
      'app.kubernetes.io/instance',
      'app.kubernetes.io/name',
      'app.kubernetes.io/part-of',
      'com.coder.resource',
      'com.coder.user.id',
      'com.coder.user.username',
      'com.coder.workspace.id',
      'com.coder.workspace.name',
    ]);
    expect(labels['app.kubernetes.io/name']).toBe('coder-workspace');
    expect(labels['app.kubernetes.io/part-of']).toBe('coder');
    expect(labels['com.coder.resource']).toBe('true');
    expect(annotations).toEqual({ 'com.coder.user.email': '${data.coder_workspace_owner.me.email}' });
  });

  it('describes the Deployment and both volumes with coder_metadata', () => {
    const metadata = json.resource.coder_metadata;
    expect(metadata.main_metadata.resource_id).toBe('${kubernetes_deployment_v1.main[0].id}');
    expect(metadata.main_metadata.item.map((i: any) => i.key)).toEqual(['repository', 'branch', 'builder image', 'dind image', 'workspaces volume', 'docker volume']);
    expect(metadata.workspaces_metadata.resource_id).toBe('${kubernetes_persistent_volume_claim_v1.workspaces.id}');
    expect(metadata.docker_data_metadata.resource_id).toBe('${kubernetes_persistent_volume_claim_v1.docker_data.id}');
  });
});

describe('the agent and the apps', () => {
  it('issue 11.9: opens the workspace folder without the deprecated dir, waits long enough for a cold build, and leaves dev containers to the builder', () => {
    const agent = json.resource.coder_agent.main;
    expect(json.locals.workspace_folder).toBe('/workspaces/${trimsuffix(basename(replace(data.coder_parameter.repository.value, ":", "/")), ".git")}');
    expect(agent.dir).toBeUndefined();
    expect(json.resource.coder_script.start_directory.count).toBe('${data.coder_workspace.me.start_count}');
    expect(agent.connection_timeout).toBeGreaterThanOrEqual(900);
    expect(agent.env).toEqual({
      DEVCONTAINER_WORKSPACE_FOLDER: '${local.workspace_folder}',
      CODER_AGENT_DEVCONTAINERS_ENABLE: 'false',
      CODER_AGENT_DEVCONTAINERS_PROJECT_DISCOVERY_ENABLE: 'false',
      CODER_AGENT_DEVCONTAINERS_DISCOVERY_AUTOSTART_ENABLE: 'false',
    });
    expect(agent.metadata.map((m: any) => m.script)).toEqual([
      'coder stat cpu',
      'coder stat mem',
      'coder stat disk --path ${local.workspace_folder}',
      `cat ${INFO_DIR}/name 2>/dev/null || echo unknown`,
      `cat ${INFO_DIR}/image 2>/dev/null || echo unknown`,
      `cat ${INFO_DIR}/built 2>/dev/null || echo unknown`,
    ]);
    expect(agent.metadata.map((m: any) => m.display_name).slice(3)).toEqual(['Dev Container', 'Image', 'Built']);
  });

  it('starts a recovery container from the builder image unless fallback_image names another or "none"', () => {
    for (const name of BUILDERS) {
      expect(envValue(container(name), 'DEVCONTAINER_FALLBACK_IMAGE')).toBe(
        '${var.fallback_image == "none" ? "" : (var.fallback_image != "" ? var.fallback_image : var.builder_image)}',
      );
    }
    expect(json.variable.fallback_image.default).toBe('');
  });

  it('reads the dev container facts from where the builder records them', () => {
    expect(DEVCONTAINER_INFO_DIR).toBe(INFO_DIR);
  });

  it('adds code-server and VS Code Desktop from the Coder registry at exact versions, on the workspace folder', () => {
    for (const [name, source] of [
      ['code-server', 'registry.coder.com/coder/code-server/coder'],
      ['vscode-desktop', 'registry.coder.com/coder/vscode-desktop/coder'],
    ]) {
      const module = json.module[name];
      expect(module.source).toBe(source);
      expect(module.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(module.agent_id).toBe('${coder_agent.main.id}');
      expect(module.folder).toBe('${local.workspace_folder}');
      expect(module.count).toBe('${data.coder_workspace.me.start_count}');
    }
  });
});

describe('variables and parameters', () => {
  it('declares exactly the template variables, each validated', () => {
    const variables = json.variable;
    expect(Object.keys(variables).sort()).toEqual([
      'agent_url',
      'anthropic_api_key',
      'arch',
      'builder_image',
      'cache_repo',
      'claude_code',
      'claude_code_oauth_token',
      'clone_credential_secret',
      'coder_tasks',
      'dind_image',
      'external_auth_id',
      'fallback_image',
      'gpu_count',
      'gpu_runtime_class_name',
      'namespace',
      'prebuild_instances',
      'prebuild_schedule',
      'prebuild_timezone',
      'prebuild_ttl_seconds',
      'pvc_access_mode',
      'registry_auth_secret',
      'runtime_class_name',
      'ssh_known_hosts',
      'storage_class',
      'up_timeout_seconds',
    ]);
    // Booleans cannot be malformed and API tokens have no checkable shape; every other string is validated.
    // ssh_known_hosts is checked by the builder, which names the bad line (builder/git/known-hosts.ts).
    const checkable = (Object.entries(variables) as [string, any][]).filter(([name, v]) => v.type === 'string' && !v.sensitive && name !== 'ssh_known_hosts').map(([, v]) => v);
    expect(checkable).toHaveLength(17);
    expect(variables.gpu_count.validation).toHaveLength(1);
    for (const v of checkable) expect(v.validation).toHaveLength(1);
    for (const secret of ['anthropic_api_key', 'claude_code_oauth_token']) expect(variables[secret].sensitive).toBe(true);
    expect(variables.namespace.default).toBe('coder-workspace');
    expect(variables.builder_image.default).toBe(`ghcr.io/vgijssel/setup/devcontainer-builder:${readFileSync('version.txt', 'utf8').trim()}`);
    expect(variables.dind_image.default).toMatch(/^docker:\d+\.\d+\.\d+-dind$/);
    expect(variables.cache_repo.default).toBe('ghcr.io/vgijssel/setup/devcontainer-cache');
    expect(variables.external_auth_id.default).toBe('primary-github');
    for (const optional of ['storage_class', 'registry_auth_secret', 'runtime_class_name', 'agent_url']) expect(variables[optional].default).toBe('');
  });

  it('declares the workspace parameters with display name, description, icon, order and validation', () => {
    const parameters = json.data.coder_parameter;
    expect(Object.keys(parameters).sort()).toEqual(['cpu', 'devcontainer_config', 'docker_volume_size', 'dotfiles_uri', 'git_branch', 'memory', 'rebuild', 'repository', 'workspaces_volume_size']);
    for (const [name, p] of Object.entries(parameters) as [string, any][]) {
      expect(p.name).toBe(name);
      expect(p.display_name).toBeTruthy();
      expect(p.description).toBeTruthy();
      expect(p.icon).toBeTruthy();
      expect(p.order).toBeGreaterThan(0);
      if (p.type === 'number') expect(p.validation).toMatchObject({ min: expect.any(Number), max: expect.any(Number) });
      if (p.type === 'string') expect(p.validation.regex).toBeTruthy();
    }
    expect(parameters.cpu.default).toBe('2');
    expect(parameters.memory.default).toBe('4');
    expect(parameters.workspaces_volume_size.default).toBe('10');
    expect(parameters.docker_volume_size.default).toBe('30');
    expect(parameters.git_branch).toMatchObject({ default: 'main', mutable: true });
    expect(parameters.repository.default).toBe('https://github.com/vgijssel/setup.git');
    expect(parameters.rebuild).toMatchObject({ type: 'bool', ephemeral: true, mutable: true, default: 'false' });
  });

  it('validates git URLs and branch names with the patterns Coder evaluates (RE2-compatible)', () => {
    const parameters = json.data.coder_parameter;
    const url = new RegExp(parameters.repository.validation.regex);
    for (const ok of ['https://github.com/vgijssel/setup.git', 'git@github.com:vgijssel/setup.git', 'ssh://git@host:2222/org/repo.git']) expect(url.test(ok)).toBe(true);
    for (const bad of ['http://github.com/x.git', 'github.com/x', 'https://github.com/x y.git', '']) expect(url.test(bad)).toBe(false);
    const ref = new RegExp(parameters.git_branch.validation.regex);
    for (const ok of ['main', 'feature/x-1', 'release/v1.2.3']) expect(ref.test(ok)).toBe(true);
    for (const bad of ['', '-x', 'a//b', '/main', 'a b', '.hidden']) expect(ref.test(bad)).toBe(false);
  });
});

describe('the Coder template README next to cdk.tf.json', () => {
  it('has front matter, one H1 and the Prerequisites, Architecture and Caching sections', () => {
    const readme = join(dir, 'README.md');
    expect(existsSync(readme)).toBe(true);
    const text = readFileSync(readme, 'utf8');
    const [, front, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
    expect(Object.keys(parseYaml(front)).sort()).toEqual(['description', 'display_name', 'icon', 'tags']);
    const prose = body.replace(/^```[\s\S]*?^```$/gm, '');
    expect(prose.match(/^# /gm)).toHaveLength(1);
    for (const section of ['Prerequisites', 'Architecture', 'Caching']) expect(prose).toMatch(new RegExp(`^## ${section}$`, 'm'));
  });
});

// The agent's init script as Terraform computes it at plan time, from Coder's
// script as the provider renders it (support/coder-init-script.ts).
describe('agent_url and the init script', () => {
  const haveTerraform = terraformAvailable();
  if (!haveTerraform && !IN_CI) console.warn('template.test.ts: no terraform CLI; the init script is not evaluated');
  const ACCESS = 'https://coder.example.com';
  const IN_CLUSTER = 'http://coder.coder.svc.cluster.local:7080';
  const evaluate = (accessUrl: string, agentUrl: string) =>
    evaluateLocal(json, 'agent_init_script', {
      'coder_agent.main.init_script': renderInitScript(accessUrl, 'arm64'),
      'data.coder_workspace.me.access_url': accessUrl,
      'var.agent_url': agentUrl,
    });

  it.skipIf(!haveTerraform && !IN_CI)('issue 11.2: with agent_url the script downloads the agent from it and hands it to the agent', () => {
    for (const agentUrl of [IN_CLUSTER, `${IN_CLUSTER}/`]) {
      const script = evaluate(ACCESS, agentUrl);
      expect(script).toContain(`BINARY_URL=${IN_CLUSTER}/bin/coder-linux-arm64`);
      expect(script).toContain(`export CODER_AGENT_URL="${IN_CLUSTER}/"`);
      expect(script).not.toContain('coder.example.com');
    }
  });

  it.skipIf(!haveTerraform && !IN_CI)('issue 11.2: the access URL is matched as the provider renders it (a path or trailing slash dropped)', () => {
    for (const accessUrl of [`${ACCESS}/`, `${ACCESS}/coder`, 'http://10.0.0.1:3000']) {
      const script = evaluate(accessUrl, IN_CLUSTER);
      expect(script).toContain(`export CODER_AGENT_URL="${IN_CLUSTER}/"`);
      expect(script).not.toContain(new URL('/', accessUrl).host);
    }
  });

  it.skipIf(!haveTerraform && !IN_CI)('issue 11.2: without agent_url the script is the provider\'s, unchanged', () => {
    expect(evaluate(ACCESS, '')).toBe(renderInitScript(ACCESS, 'arm64'));
  });

  it('issue 11.2: the builder, the agent and the coder CLI all use agent_url when it is set', () => {
    expect(json.locals.coder_url).toBe('${var.agent_url != "" ? var.agent_url : data.coder_workspace.me.access_url}');
    for (const name of BUILDERS) {
      expect(envValue(container(name), 'CODER_INIT_SCRIPT')).toBe('${local.agent_init_script}');
      expect(envValue(container(name), 'CODER_AGENT_URL')).toBe('${local.coder_url}');
    }
    expect(json.resource.coder_env.coder_url.value).toBe('${local.coder_url}');
  });
});
