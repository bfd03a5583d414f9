import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { IDE_MODULES, TemplateStack } from '../../constructs/template-stack.js';
import { synth } from './helpers.js';

const stack = (props: Partial<ConstructorParameters<typeof TemplateStack>[2]> = {}) =>
  new TemplateStack(Testing.app(), 'template', { version: '9.9.9', ...props });

describe('TemplateStack', () => {
  it('tags the default builder image with the project version', () => {
    expect(synth(stack()).variable.builder_image.default).toBe('ghcr.io/vgijssel/setup/devcontainer-builder:9.9.9');
  });

  it('pins the IDE modules to exact versions', () => {
    for (const spec of Object.values(IDE_MODULES)) expect(spec.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('accepts extra agent modules through props and addAgentModule, started with the workspace', () => {
    const s = stack({ modules: { 'jetbrains-gateway': { source: 'registry.coder.com/coder/jetbrains-gateway/coder', version: '2.0.0', variables: { order: 3 } } } });
    s.addAgentModule('extensions', { source: 'registry.coder.com/coder/vscode-extensions/coder', version: '1.0.0', variables: { folder: '/x' } });
    const modules = synth(s).module;
    expect(Object.keys(modules).sort()).toEqual([
      'claude-code',
      'claude-code-tasks',
      'code-server',
      'dotfiles',
      'extensions',
      'jetbrains-gateway',
      'vscode-desktop',
    ]);
    expect(modules['jetbrains-gateway']).toMatchObject({
      agent_id: '${coder_agent.main.id}',
      count: '${data.coder_workspace.me.start_count}',
      folder: '${local.workspace_folder}',
      order: 3,
      version: '2.0.0',
    });
    expect(modules.extensions.folder).toBe('/x');
  });

  it('fails when an extra module reuses the name of a module the template already has', () => {
    const s = stack();
    expect(() => s.addAgentModule('claude-code', { source: 'example.com/other/claude-code', version: '1.0.0' })).toThrowError(
      'TemplateStack: a module named "claude-code" is already part of the template; choose another name for example.com/other/claude-code.',
    );
  });

  it('merges agent environment from props and addAgentEnv after the dev container switches', () => {
    const s = stack({ agentEnv: { EDITOR: 'vim' } });
    s.addAgentEnv('PAGER', 'less');
    expect(synth(s).resource.coder_agent.main.env).toEqual({
      DEVCONTAINER_WORKSPACE_FOLDER: '${local.workspace_folder}',
      CODER_AGENT_DEVCONTAINERS_ENABLE: 'false',
      CODER_AGENT_DEVCONTAINERS_PROJECT_DISCOVERY_ENABLE: 'false',
      CODER_AGENT_DEVCONTAINERS_DISCOVERY_AUTOSTART_ENABLE: 'false',
      EDITOR: 'vim',
      PAGER: 'less',
    });
  });

  it('fails when addAgentEnv repeats a name', () => {
    expect(() => stack().addAgentEnv('CODER_AGENT_DEVCONTAINERS_ENABLE', 'true')).toThrowError(
      'TemplateStack: agent environment variable "CODER_AGENT_DEVCONTAINERS_ENABLE" is already set to "false"; choose another name.',
    );
  });

  it('lets the builder containers be extended through the deployment', () => {
    const s = stack();
    s.deployment.addEnv({ name: 'DEVCONTAINER_DOCKER_WAIT_SECONDS', value: '300' });
    const agent = synth(s).resource.kubernetes_deployment_v1.main.spec.template.spec.container[0];
    expect(agent.env).toContainEqual({ name: 'DEVCONTAINER_DOCKER_WAIT_SECONDS', value: '300' });
  });

  it('issue 15.1: a parameter added later joins the default preset with its default; one without a default is refused', () => {
    const s = stack();
    s.parameters.addParameter({ name: 'extra', description: 'An extra setting.', type: 'string', default: 'x', mutable: true });
    expect(synth(s).data.coder_workspace_preset.default.parameters).toMatchObject({ extra: 'x', cpu: '2', repository: expect.any(String) });
    const t = stack();
    t.parameters.addParameter({ name: 'nodefault', description: 'No default.', type: 'string' });
    expect(() => synth(t)).toThrow(/parameter "nodefault" has no default; every parameter needs one/);
    expect(() => stack().parameters.addParameter({ name: 'nodesc', type: 'string', default: '' })).toThrow(/needs a description/);
  });
});
