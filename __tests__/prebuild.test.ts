// Issue 15.1 and 15.2: the default preset with prebuilds, and a claim that
// changes nothing in the pod. The template is synthesized once and resolved
// for two identities (support/prebuild-identities.ts); every reference must be
// mapped (pod-runner.ts `interpolate` throws on one that is not), so an
// owner-dependent value that reaches the pod fails this test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimIdentity, claimSensitiveParts, NO_GPU_VALUES, parameterDefaults as defaults, prebuildIdentity, type Identity } from './support/prebuild-identities.js';
import { IN_CI } from './support/shared-dir.js';
import { synthTemplate } from './support/synth.js';
import { TERRAFORM, terraformAvailable } from './support/terraform-eval.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let json: any;
beforeAll(async () => {
  ({ json } = await synthTemplate());
});

/** Values of the owner-independent references of the pod and the volumes (one workspace, both identities). */
const SHARED: Record<string, string> = {
  'coder_agent.main.token': '5e8c0a8e-0d8e-4c49-9b8a-7d6f1c2b3a40',
  'local.agent_init_script': '#!/bin/sh\necho init\n',
  'local.coder_url': 'https://coder.example.com',
  'var.namespace': 'coder-workspace',
  'var.arch': 'amd64',
  'var.builder_image': 'ghcr.io/vgijssel/setup/devcontainer-builder:1.0.0',
  'var.dind_image': 'docker:28.5.1-dind',
  'var.cache_repo': 'ghcr.io/vgijssel/setup/devcontainer-cache',
  'var.ssh_known_hosts': '',
  'var.registry_auth_secret': '',
  'var.registry_auth_secret != "" ? [1] : []': '[]',
  'var.clone_credential_secret': 'repo-reader',
  'var.clone_credential_secret != "" ? [1] : []': '[1]',
  'var.fallback_image == "none" ? "" : (var.fallback_image != "" ? var.fallback_image : var.builder_image)': 'ghcr.io/vgijssel/setup/devcontainer-builder:1.0.0',
  'var.runtime_class_name == ""': 'true',
  'var.runtime_class_name != "" ? var.runtime_class_name : null': '',
  'var.storage_class != "" ? var.storage_class : null': '',
  'var.pvc_access_mode': 'ReadWriteOnce',
  'var.up_timeout_seconds': '3600',
  ...NO_GPU_VALUES,
};

/** The parts of the template a claim must not change, resolved for one identity. */
function podAndVolumes(identity: Identity) {
  const parts = claimSensitiveParts(json, { ...SHARED, ...parameterDefaults(), ...identity });
  return { ...parts, secretName: parts.secretNames[0] };
}

const parameterDefaults = () => defaults(json);

describe('issue 15.1: the default preset', () => {
  it('carries every parameter of the template with its default, and is the default', () => {
    const preset = json.data.coder_workspace_preset.default;
    const parameters = Object.values(json.data.coder_parameter as Record<string, any>);
    expect(parameters.length).toBeGreaterThan(0);
    expect(Object.keys(preset.parameters).sort()).toEqual(parameters.map((p) => p.name).sort());
    for (const p of parameters) expect(preset.parameters[p.name], p.name).toBe(p.default);
    expect(preset.default).toBe(true);
    expect(Object.keys(json.data.coder_workspace_preset)).toEqual(['default']);
  });

  it('gives every parameter a default and a description (Coder Agents and prebuilds need both)', () => {
    for (const p of Object.values(json.data.coder_parameter as Record<string, any>)) {
      expect(p.default, p.name).toBeDefined();
      expect(p.description, p.name).toMatch(/\S{3,}/);
    }
  });

  it('keeps a pool only when prebuild_instances asks for one (default 0), with expiration and scheduling from variables', () => {
    const prebuilds = json.data.coder_workspace_preset.default.prebuilds;
    expect(prebuilds.instances).toBe('${var.prebuild_instances}');
    expect(json.variable.prebuild_instances).toMatchObject({ type: 'number', default: 0, nullable: false });
    expect(prebuilds.expiration_policy).toEqual({ ttl: '${var.prebuild_ttl_seconds}' });
    expect(json.variable.prebuild_ttl_seconds).toMatchObject({ type: 'number', default: 86400 });
    expect(json.variable.prebuild_timezone).toMatchObject({ type: 'string', default: 'UTC' });
    expect(json.variable.prebuild_schedule).toMatchObject({ type: 'string', default: '' });
    expect(prebuilds.dynamic.scheduling.for_each).toBe('${var.prebuild_schedule != "" ? [1] : []}');
    expect(prebuilds.dynamic.scheduling.content.timezone).toBe('${var.prebuild_timezone}');
  });
});

describe('issue 15.1: the prebuild variables under Terraform', () => {
  const haveTerraform = terraformAvailable();
  if (!haveTerraform && !IN_CI) console.warn('prebuild.test.ts: no terraform CLI; the variable expressions are not evaluated');
  /** Evaluates `expression` with the template's prebuild variables set, plus whether each validation holds. */
  const evaluate = (vars: Record<string, string | number>, expression: string): unknown => {
    const names = ['prebuild_instances', 'prebuild_ttl_seconds', 'prebuild_timezone', 'prebuild_schedule'];
    const variable = Object.fromEntries(names.map((n) => [n, { type: json.variable[n].type, default: vars[n] ?? json.variable[n].default }]));
    const checks = Object.fromEntries(names.map((n) => [`ok_${n}`, json.variable[n].validation[0].condition]));
    const dir = mkdtempSync(join(tmpdir(), 'tf-prebuild-'));
    try {
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ variable, locals: { ...checks, value: expression } }));
      const out = execFileSync(TERRAFORM, ['console'], { cwd: dir, input: `jsonencode({ ${[...Object.keys(checks), 'value'].map((k) => `${k} = local.${k}`).join(', ')} })\n`, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'none'), CHECKPOINT_DISABLE: '1' } });
      return JSON.parse(JSON.parse(out.trim()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const forEach = () => json.data.coder_workspace_preset.default.prebuilds.dynamic.scheduling.content.dynamic.schedule.for_each;

  it.skipIf(!haveTerraform && !IN_CI)('turns prebuild_schedule into schedule blocks, and accepts the defaults', () => {
    const r = evaluate({ prebuild_schedule: '* 8-18 * * 1-5=3; * 8-14 * * 6 = 1;' }, forEach()) as any;
    expect(r.value).toEqual([{ cron: '* 8-18 * * 1-5', instances: 3 }, { cron: '* 8-14 * * 6', instances: 1 }]);
    expect([r.ok_prebuild_instances, r.ok_prebuild_ttl_seconds, r.ok_prebuild_timezone, r.ok_prebuild_schedule]).toEqual([true, true, true, true]);
    expect((evaluate({}, forEach()) as any).value).toEqual([]);
  });

  it.skipIf(!haveTerraform && !IN_CI)('rejects a malformed schedule, a TTL outside the provider limits and a negative or fractional pool', () => {
    expect((evaluate({ prebuild_schedule: '* 8-18 * * 1-5' }, '1') as any).ok_prebuild_schedule).toBe(false);
    expect((evaluate({ prebuild_ttl_seconds: 60 }, '1') as any).ok_prebuild_ttl_seconds).toBe(false);
    expect((evaluate({ prebuild_ttl_seconds: 0 }, '1') as any).ok_prebuild_ttl_seconds).toBe(true);
    expect((evaluate({ prebuild_instances: -1 }, '1') as any).ok_prebuild_instances).toBe(false);
    expect((evaluate({ prebuild_instances: 1.5 }, '1') as any).ok_prebuild_instances).toBe(false);
  });
});

describe('issue 15.2: a claim changes nothing in the pod', () => {
  it('resolves the selector, the pod template, the PVCs and the object names identically for the prebuild and the claim', () => {
    const prebuild = podAndVolumes(prebuildIdentity());
    const claim = podAndVolumes(claimIdentity());
    expect(claim.selector).toEqual(prebuild.selector);
    expect(claim.template).toEqual(prebuild.template);
    expect(claim.pvcs).toEqual(prebuild.pvcs);
    expect(claim.deploymentName).toEqual(prebuild.deploymentName);
    expect(claim.secretName).toEqual(prebuild.secretName);
    // The resolution really ran: the workspace id reached the names.
    expect(prebuild.deploymentName).toBe('coder-0f1e2d3c-4b5a-4968-8776-655443322110');
  });

  it('would fail if an owner value reached the pod: the claim values differ where they are used', () => {
    const broken = structuredClone(json);
    broken.resource.kubernetes_deployment_v1.main.spec.template.metadata.labels['com.coder.user.username'] = '${data.coder_workspace_owner.me.name}';
    const resolve = (identity: Identity) => claimSensitiveParts(broken, { ...SHARED, ...parameterDefaults(), ...identity }).template;
    expect(resolve(claimIdentity())).not.toEqual(resolve(prebuildIdentity()));
  });

  it('gives the owner-dependent values to coder_env (read by the agent after it reinitializes) and the Deployment metadata (updated in place)', () => {
    const env = json.resource.coder_env;
    expect(env.git_author_name.value).toBe('${coalesce(data.coder_workspace_owner.me.full_name, data.coder_workspace_owner.me.name)}');
    expect(env.git_committer_name.value).toBe(env.git_author_name.value);
    expect(env.git_author_email.value).toBe('${data.coder_workspace_owner.me.email}');
    expect(env.git_committer_email.value).toBe('${data.coder_workspace_owner.me.email}');
    expect(env.coder_session_token.value).toBe('${data.coder_workspace_owner.me.session_token}');
    const labels = json.resource.kubernetes_deployment_v1.main.metadata.labels;
    expect(labels['com.coder.user.username']).toBe('${data.coder_workspace_owner.me.name}');
    // The GitHub token reaches a Secret whose data changes in place; the pod names only the Secret.
    expect(json.resource.kubernetes_secret_v1.github_token.data.GH_TOKEN).toBe('${data.coder_external_auth.github.access_token}');
  });

  it('keeps the agent and the locals the pod uses free of owner and workspace-name references', () => {
    const owner = /coder_workspace_owner|coder_workspace\.me\.name|coder_external_auth/;
    expect(JSON.stringify(json.resource.coder_agent.main)).not.toMatch(owner);
    for (const name of ['agent_init_script', 'coder_url', 'workspace_folder']) expect(json.locals[name], name).not.toMatch(owner);
  });
});
