import { describe, expect, it } from 'vitest';
import { ClaudeCodeAgent, CLAUDE_CODE_MODULE, CLAUDE_CODE_TASKS_MODULE, type ClaudeCodeAgentProps } from '../../constructs/ai-agent.js';
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
  it('issue 15.6: adds claude-code at its current major (5.x) on coder_agent.main, with inputs of its main.tf', () => {
    const module = build().module['claude-code'];
    expect(CLAUDE_CODE_MODULE.version).toMatch(/^5\.\d+\.\d+$/);
    expect(module).toEqual({
      source: 'registry.coder.com/coder/claude-code/coder',
      version: CLAUDE_CODE_MODULE.version,
      agent_id: '${coder_agent.main.id}',
      count: '${((var.claude_code || var.coder_tasks) && !local.claude_code_in_task) ? data.coder_workspace.me.start_count : 0}',
      workdir: '/workspaces/setup',
      anthropic_api_key: '${var.anthropic_api_key}',
      claude_code_oauth_token: '${var.claude_code_oauth_token}',
    });
  });

  it('issue 15.6: v5 installs the CLI only, so a Claude Code app starts it in the checkout, with the module', () => {
    const json = build();
    expect(json.resource.coder_app.claude).toMatchObject({
      agent_id: '${coder_agent.main.id}',
      slug: 'claude',
      count: json.module['claude-code'].count,
      command: '#!/bin/sh\nexport PATH="$HOME/.local/bin:$PATH"\ncd "/workspaces/setup" && exec claude\n',
    });
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

  it('issue 15.6: wires Coder Tasks only behind coder_tasks: data.coder_task, the 4.x module with AgentAPI, coder_ai_task following enabled', () => {
    const json = build();
    expect(json.data.coder_task.me.count).toBe('${var.coder_tasks ? 1 : 0}');
    expect(json.locals.claude_code_in_task).toBe('${var.coder_tasks && try(data.coder_task.me[0].enabled, false)}');
    expect(CLAUDE_CODE_TASKS_MODULE.version).toMatch(/^4\.\d+\.\d+$/);
    expect(json.module['claude-code-tasks']).toMatchObject({
      source: 'registry.coder.com/coder/claude-code/coder',
      version: CLAUDE_CODE_TASKS_MODULE.version,
      count: '${local.claude_code_in_task ? data.coder_workspace.me.start_count : 0}',
      workdir: '/workspaces/setup',
      ai_prompt: '${try(data.coder_task.me[0].prompt, "")}',
      report_tasks: true,
      cli_app: false,
      claude_api_key: '${var.anthropic_api_key}',
      claude_code_oauth_token: '${var.claude_code_oauth_token}',
    });
    expect(json.resource.coder_ai_task.task).toMatchObject({
      count: '${local.claude_code_in_task ? data.coder_workspace.me.start_count : 0}',
      app_id: '${one(module.claude-code-tasks[*].task_app_id)}',
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
