import { describe, expect, it } from 'vitest';
import { Agent } from '../../constructs/coder/generated/agent/index.js';
import { DOTFILES_MODULE, DOTFILES_URI_PATTERN, Dotfiles } from '../../constructs/dotfiles.js';
import { WorkspaceParameters } from '../../constructs/workspace-parameters.js';
import { synth, testStack } from './helpers.js';

function template(props: { defaultUri?: string } = {}) {
  const stack = testStack();
  const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
  agent.overrideLogicalId('main');
  const parameters = new WorkspaceParameters(stack, 'parameters');
  new Dotfiles(stack, 'dotfiles', { agent, startCount: 1, parameters, ...props });
  // The parameter joins the template's parameters, so the default preset carries it.
  expect(parameters.names).toContain('dotfiles_uri');
  return synth(stack);
}

describe('issue 14.3: Dotfiles', () => {
  it('pins the coder/dotfiles module on coder_agent.main and gives it the template\'s parameter and no branch', () => {
    const module = template().module.dotfiles;
    expect(module.source).toBe('registry.coder.com/coder/dotfiles/coder');
    expect(module.version).toBe(DOTFILES_MODULE.version);
    expect(module.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(module.agent_id).toBe('${coder_agent.main.id}');
    expect(module.dotfiles_uri).toBe('${data.coder_parameter.dotfiles_uri.value}');
    // "" (not null): the module then declares no dotfiles_branch parameter of its own.
    expect(module.dotfiles_branch).toBe('');
  });

  it('an empty URL means off: the module has no instance, so no start script runs', () => {
    expect(template().module.dotfiles.count).toBe('${data.coder_parameter.dotfiles_uri.value != "" ? 1 : 0}');
  });

  it('declares a mutable dotfiles_uri parameter, empty by default, validated like the module validates it', () => {
    const p = template().data.coder_parameter.dotfiles_uri;
    expect(p).toMatchObject({ name: 'dotfiles_uri', type: 'string', default: '', mutable: true, icon: '/icon/dotfiles.svg' });
    expect(p.validation.regex).toBe(DOTFILES_URI_PATTERN);
    expect(template({ defaultUri: 'https://github.com/me/dotfiles.git' }).data.coder_parameter.dotfiles_uri.default).toBe('https://github.com/me/dotfiles.git');
    const re = new RegExp(DOTFILES_URI_PATTERN);
    for (const ok of ['', 'https://github.com/me/dotfiles.git', 'git@github.com:me/dotfiles.git', 'ssh://git@host:22/me/dotfiles']) expect(re.test(ok)).toBe(true);
    for (const bad of ['github.com/me/dotfiles', 'https://x/$(id)', 'file:///etc']) expect(re.test(bad)).toBe(false);
  });
});
