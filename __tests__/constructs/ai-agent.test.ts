import { describe, expect, it } from 'vitest';
import { ClaudeCodeAgent, CLAUDE_CODE_MODULE, type ClaudeCodeAgentProps } from '../../constructs/ai-agent.js';
import { Agent } from '../../constructs/coder/generated/agent/index.js';
import { DataCoderWorkspace } from '../../constructs/coder/generated/data-coder-workspace/index.js';
import { checkTerraformJson, loadSchemas, providerSchemaDir } from '../support/terraform-schema.js';
import { synth, testStack } from './helpers.js';

const SCHEMA_DIR = providerSchemaDir();

function build(props: Partial<ClaudeCodeAgentProps> = {}) {
  const stack = testStack();
  const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
  agent.overrideLogicalId('main');
  const workspace = new DataCoderWorkspace(stack, 'workspace');
  workspace.overrideLogicalId('me');
  new ClaudeCodeAgent(stack, 'ai', { agent, startCount: workspace.startCount, workspaceFolder: '/workspaces/setup', ...props });
  return synth(stack);
}

describe('ClaudeCodeAgent', () => {
  it('adds the pinned claude-code module on coder_agent.main, working in the workspace folder', () => {
    const module = build().module['claude-code'];
    expect(CLAUDE_CODE_MODULE.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(module).toMatchObject({
      source: 'registry.coder.com/coder/claude-code/coder',
      version: CLAUDE_CODE_MODULE.version,
      agent_id: '${coder_agent.main.id}',
      workdir: '/workspaces/setup',
      claude_api_key: '${var.anthropic_api_key}',
      claude_code_oauth_token: '${var.claude_code_oauth_token}',
    });
  });

  it('runs the module only when claude_code (or coder_tasks) is on and the workspace runs', () => {
    expect(build().module['claude-code'].count).toBe('${(var.claude_code || var.coder_tasks) ? data.coder_workspace.me.start_count : 0}');
  });

  it('declares the switches as bool template variables, off by default, credentials sensitive', () => {
    const { variable } = build();
    expect(variable.claude_code).toMatchObject({ type: 'bool', default: false });
    expect(variable.coder_tasks).toMatchObject({ type: 'bool', default: false });
    expect(variable.coder_tasks.description).toContain('v2.28-v2.36');
    expect(variable.anthropic_api_key).toMatchObject({ type: 'string', default: '', sensitive: true });
    expect(variable.claude_code_oauth_token).toMatchObject({ type: 'string', default: '', sensitive: true });
  });

  it('can default claude_code to on', () => {
    expect(build({ enabledByDefault: true }).variable.claude_code.default).toBe(true);
  });

  it('wires Coder Tasks as the 2.28+ format: data coder_task feeds the prompt, coder_ai_task points at the module app', () => {
    const json = build();
    expect(json.data.coder_task).toEqual({ me: {} });
    expect(json.module['claude-code']).toMatchObject({
      ai_prompt: '${data.coder_task.me.prompt}',
      report_tasks: '${var.coder_tasks}',
      cli_app: '${!var.coder_tasks}',
    });
    expect(json.resource.coder_ai_task).toEqual({
      task: {
        count: '${var.coder_tasks ? data.coder_workspace.me.start_count : 0}',
        app_id: '${one(module.claude-code[*].task_app_id)}',
      },
    });
  });

  it('passes a pinned Claude Code CLI version through', () => {
    expect(build({ claudeCodeVersion: '2.0.14' }).module['claude-code'].claude_code_version).toBe('2.0.14');
    expect(build().module['claude-code']).not.toHaveProperty('claude_code_version');
  });

  it('passes the provider schema', () => {
    expect(checkTerraformJson(build(), loadSchemas(SCHEMA_DIR, ['coder'])).errors).toEqual([]);
  });
});
