// The generated coder/coder bindings (constructs/coder/generated/) the
// template uses, with every field set, synthesized and checked against the
// provider schema: proves the generator's names and block shapes, including
// fields the template does not use.
import { describe, expect, it } from 'vitest';
import { Agent } from '../../../constructs/coder/generated/agent/index.js';
import { App } from '../../../constructs/coder/generated/app/index.js';
import { DataCoderExternalAuth } from '../../../constructs/coder/generated/data-coder-external-auth/index.js';
import { DataCoderParameter } from '../../../constructs/coder/generated/data-coder-parameter/index.js';
import { DataCoderProvisioner } from '../../../constructs/coder/generated/data-coder-provisioner/index.js';
import { DataCoderWorkspaceOwner } from '../../../constructs/coder/generated/data-coder-workspace-owner/index.js';
import { DataCoderWorkspace } from '../../../constructs/coder/generated/data-coder-workspace/index.js';
import { Metadata } from '../../../constructs/coder/generated/metadata/index.js';
import { Env } from '../../../constructs/coder/generated/env/index.js';
import { CoderProvider } from '../../../constructs/coder/generated/provider/index.js';
import { checkTerraformJson, loadSchemas, providerSchemaDir } from '../../support/terraform-schema.js';
import { resolve, synth, testStack } from '../helpers.js';

const schemas = loadSchemas(providerSchemaDir(), ['coder']);

function everything() {
  const stack = testStack();
  new CoderProvider(stack, 'coder', { url: 'https://coder.example' });
  const agent = new Agent(stack, 'agent', {
    arch: 'amd64',
    os: 'linux',
    auth: 'token',
    apiKeyScope: 'all',
    connectionTimeout: 600,
    dir: '/w',
    env: { A: 'b' },
    motdFile: '/etc/motd',
    order: 1,
    shutdownScript: 'true',
    startupScript: 'true',
    startupScriptBehavior: 'blocking',
    troubleshootingUrl: 'https://docs.example',
    displayApps: { vscode: true, vscodeInsiders: false, webTerminal: true, sshHelper: true, portForwardingHelper: false },
    metadata: [{ key: 'k', displayName: 'K', script: 'echo', interval: 5, timeout: 1, order: 1 }],
  });
  new App(stack, 'app', {
    agentId: agent.id,
    slug: 'web',
    displayName: 'Web',
    url: 'http://localhost:8080',
    icon: '/icon/code.svg',
    external: false,
    subdomain: false,
    share: 'owner',
    openIn: 'tab',
    order: 1,
    group: 'g',
    hidden: false,
    tooltip: 't',
    healthcheck: { url: 'http://localhost:8080/healthz', interval: 5, threshold: 6 },
  });
  new Env(stack, 'env', { agentId: agent.id, name: 'CODER_URL', value: 'https://coder.example' });
  new Metadata(stack, 'metadata', { resourceId: agent.id, hide: false, icon: '/i', dailyCost: 1, item: [{ key: 'k', value: 'v', sensitive: true }] });
  new DataCoderWorkspace(stack, 'workspace');
  new DataCoderWorkspaceOwner(stack, 'owner');
  new DataCoderProvisioner(stack, 'provisioner');
  new DataCoderExternalAuth(stack, 'github', { id: 'github', optional: true });
  new DataCoderParameter(stack, 'parameter', {
    name: 'size',
    type: 'number',
    default: '1',
    description: 'd',
    displayName: 'Size',
    ephemeral: false,
    formType: 'input',
    icon: '/i',
    mutable: true,
    order: 1,
    styling: '{}',
    option: [{ name: 'one', value: '1', description: 'd', icon: '/i' }],
    validation: { min: 1, max: 2, monotonic: 'increasing', error: 'e' },
  });
  new DataCoderParameter(stack, 'text', { name: 'text', validation: { regex: '^a$' } });
  return synth(stack);
}

describe('coder/coder bindings', () => {
  it('synthesize every field under a name the 2.17.0 schema knows', () => {
    const report = checkTerraformJson(everything(), schemas);
    expect(report.errors).toEqual([]);
    expect(report.deprecated).toEqual(['coder_agent.agent.dir']);
  });

  it('map camelCase fields to snake_case attributes and blocks', () => {
    const json = everything();
    const agent = json.resource.coder_agent.agent;
    expect(agent).toMatchObject({ api_key_scope: 'all', connection_timeout: 600, motd_file: '/etc/motd', startup_script_behavior: 'blocking' });
    expect(agent.display_apps).toEqual({ vscode: true, vscode_insiders: false, web_terminal: true, ssh_helper: true, port_forwarding_helper: false });
    expect(agent.metadata).toEqual([{ key: 'k', display_name: 'K', script: 'echo', interval: 5, timeout: 1, order: 1 }]);
    expect(json.resource.coder_app.app).toMatchObject({ agent_id: '${coder_agent.agent.id}', open_in: 'tab', display_name: 'Web' });
    expect(json.resource.coder_metadata.metadata).toMatchObject({ resource_id: '${coder_agent.agent.id}', daily_cost: 1 });
    expect(json.data.coder_external_auth.github).toMatchObject({ id: 'github', optional: true });
    expect(json.data.coder_parameter.parameter).toMatchObject({ display_name: 'Size', form_type: 'input', validation: { min: 1, max: 2, monotonic: 'increasing', error: 'e' } });
    expect(json.provider.coder).toEqual([{ url: 'https://coder.example' }]);
  });

  it('declare the pinned provider in required_providers', () => {
    expect(everything().terraform.required_providers.coder).toEqual({ source: 'coder/coder', version: '2.17.0' });
  });

  it('name their Terraform types in a static tfResourceType', () => {
    expect([
      CoderProvider.tfResourceType,
      Agent.tfResourceType,
      App.tfResourceType,
      Metadata.tfResourceType,
      Env.tfResourceType,
      DataCoderWorkspace.tfResourceType,
      DataCoderWorkspaceOwner.tfResourceType,
      DataCoderProvisioner.tfResourceType,
      DataCoderExternalAuth.tfResourceType,
      DataCoderParameter.tfResourceType,
    ]).toEqual(['coder', 'coder_agent', 'coder_app', 'coder_metadata', 'coder_env', 'coder_workspace', 'coder_workspace_owner', 'coder_provisioner', 'coder_external_auth', 'coder_parameter']);
  });

  it('expose computed attributes as references', () => {
    const stack = testStack();
    const agent = new Agent(stack, 'a', { arch: 'amd64', os: 'linux' });
    const ws = new DataCoderWorkspace(stack, 'w');
    const owner = new DataCoderWorkspaceOwner(stack, 'o');
    const prov = new DataCoderProvisioner(stack, 'p');
    const auth = new DataCoderExternalAuth(stack, 'g', { id: 'gh' });
    const param = new DataCoderParameter(stack, 'x', { name: 'x' });
    const refs = {
      token: agent.token,
      init: agent.initScript,
      id: agent.id,
      start: `${ws.startCount}`,
      url: ws.accessUrl,
      wsName: ws.name,
      wsId: ws.id,
      transition: ws.transition,
      template: ws.templateName,
      ownerName: owner.name,
      email: owner.email,
      fullName: owner.fullName,
      ownerId: owner.id,
      arch: prov.arch,
      os: prov.os,
      access: auth.accessToken,
      value: param.value,
    };
    expect(resolve(stack, refs)).toEqual({
      token: '${coder_agent.a.token}',
      init: '${coder_agent.a.init_script}',
      id: '${coder_agent.a.id}',
      start: '${data.coder_workspace.w.start_count}',
      url: '${data.coder_workspace.w.access_url}',
      wsName: '${data.coder_workspace.w.name}',
      wsId: '${data.coder_workspace.w.id}',
      transition: '${data.coder_workspace.w.transition}',
      template: '${data.coder_workspace.w.template_name}',
      ownerName: '${data.coder_workspace_owner.o.name}',
      email: '${data.coder_workspace_owner.o.email}',
      fullName: '${data.coder_workspace_owner.o.full_name}',
      ownerId: '${data.coder_workspace_owner.o.id}',
      arch: '${data.coder_provisioner.p.arch}',
      os: '${data.coder_provisioner.p.os}',
      access: '${data.coder_external_auth.g.access_token}',
      value: '${data.coder_parameter.x.value}',
    });
  });
});
