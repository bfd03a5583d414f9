import { describe, expect, it } from 'vitest';
import { Agent } from '../../constructs/coder/agent.js';
import { DataCoderWorkspace } from '../../constructs/coder/data-coder-workspace.js';
import { DeveloperModules, DEVELOPER_MODULES, type DeveloperModulesProps } from '../../constructs/developer-modules.js';
import { addRegistryModule } from '../../constructs/registry-module.js';
import { synth, testStack } from './helpers.js';

function build(props: Partial<DeveloperModulesProps> = {}) {
  const stack = testStack();
  const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
  agent.overrideLogicalId('main');
  const workspace = new DataCoderWorkspace(stack, 'workspace');
  workspace.overrideLogicalId('me');
  new DeveloperModules(stack, 'developer', { agent, count: workspace.startCount, ...props });
  return { stack, json: synth(stack) };
}

describe('DeveloperModules', () => {
  it('adds coder-login and git-commit-signing, pinned, on coder_agent.main, only while the workspace runs', () => {
    expect(build().json.module).toEqual({
      'coder-login': {
        source: 'registry.coder.com/coder/coder-login/coder',
        version: '1.0.31',
        agent_id: '${coder_agent.main.id}',
        count: '${data.coder_workspace.me.start_count}',
      },
      'git-commit-signing': {
        source: 'registry.coder.com/coder/git-commit-signing/coder',
        version: '1.0.31',
        agent_id: '${coder_agent.main.id}',
        count: '${data.coder_workspace.me.start_count}',
      },
    });
  });

  it('pins every module to an exact release', () => {
    for (const spec of Object.values(DEVELOPER_MODULES)) expect(spec.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('leaves a module out when asked', () => {
    expect(Object.keys(build({ coderLogin: false }).json.module)).toEqual(['git-commit-signing']);
    expect(Object.keys(build({ gitCommitSigning: false }).json.module)).toEqual(['coder-login']);
    expect(build({ coderLogin: false, gitCommitSigning: false }).json.module).toBeUndefined();
  });
});

describe('addRegistryModule', () => {
  it('fails for a version that is not an exact release', () => {
    expect(() => addRegistryModule(testStack(), 'x', { source: 'registry.coder.com/coder/x/coder', version: '~> 1.0' }, { agentId: 'a', count: 1 }))
      .toThrowError('Module "x": version "~> 1.0" is not an exact x.y.z release; pin one.');
  });
});
