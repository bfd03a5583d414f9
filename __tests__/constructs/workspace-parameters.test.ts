import { describe, expect, it } from 'vitest';
import { WorkspaceParameters } from '../../constructs/workspace-parameters.js';
import { synth, testStack } from './helpers.js';

describe('WorkspaceParameters', () => {
  it('orders the parameters repository first and rebuild last', () => {
    const stack = testStack();
    new WorkspaceParameters(stack, 'p');
    const parameters = synth(stack).data.coder_parameter;
    const order = Object.entries(parameters as Record<string, { order: number }>)
      .sort(([, a], [, b]) => a.order - b.order)
      .map(([name]) => name);
    expect(order).toEqual(['repository', 'git_branch', 'cpu', 'memory', 'workspaces_volume_size', 'docker_volume_size', 'devcontainer_config', 'rebuild']);
  });

  it('issue 14.4: devcontainer_config is mutable, empty by default, and takes only relative .json paths', () => {
    const stack = testStack();
    new WorkspaceParameters(stack, 'p');
    const c = synth(stack).data.coder_parameter.devcontainer_config;
    expect(c).toMatchObject({ type: 'string', default: '', mutable: true });
    expect(c.description).toMatch(/relative to the repository root/);
    const re = new RegExp(c.validation.regex);
    for (const good of ['', '.devcontainer/python/devcontainer.json', '.devcontainer.json', 'tools/dev.json']) expect(re.test(good)).toBe(true);
    for (const bad of ['/etc/devcontainer.json', '.devcontainer/python', 'a b.json']) expect(re.test(bad)).toBe(false);
  });

  it('keeps volume sizes and the repository immutable, and the branch and sizes of CPU and memory mutable', () => {
    const stack = testStack();
    new WorkspaceParameters(stack, 'p');
    const p = synth(stack).data.coder_parameter;
    expect([p.repository.mutable, p.workspaces_volume_size.mutable, p.docker_volume_size.mutable]).toEqual([false, false, false]);
    expect([p.git_branch.mutable, p.cpu.mutable, p.memory.mutable, p.rebuild.mutable]).toEqual([true, true, true, true]);
  });

  it('takes another default repository', () => {
    const stack = testStack();
    new WorkspaceParameters(stack, 'p', { defaultRepository: 'https://example.com/r.git' });
    expect(synth(stack).data.coder_parameter.repository.default).toBe('https://example.com/r.git');
  });
});
