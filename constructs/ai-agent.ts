import { Fn, Op, TerraformLocal, TerraformVariable, Token, type TerraformHclModule } from 'cdktf';
import { Construct } from 'constructs';
import type { Agent } from './coder/generated/agent/index.js';
import { AiTask } from './coder/generated/ai-task/index.js';
import { App } from './coder/generated/app/index.js';
import { DataCoderTask } from './coder/generated/data-coder-task/index.js';
import { addRegistryModule, type RegistryModuleSpec } from './registry-module.js';

/**
 * The Claude Code module at its current major (5.x: installs the CLI and its
 * credentials only; inputs `workdir`, `anthropic_api_key`,
 * `claude_code_oauth_token`, `claude_code_version`; coder/registry
 * registry/coder/modules/claude-code/main.tf at release/coder/claude-code/v5.4.0).
 */
export const CLAUDE_CODE_MODULE = {
  source: 'registry.coder.com/coder/claude-code/coder',
  version: '5.4.0',
} as const satisfies RegistryModuleSpec;

/**
 * The newest 4.x release, only for Coder Tasks: v5 dropped Tasks and
 * AgentAPI (its README, "If upgrading from v4.x.x"). Inputs `workdir`,
 * `ai_prompt`, `report_tasks`, `cli_app`, `claude_api_key`,
 * `claude_code_oauth_token`; output `task_app_id` (main.tf at
 * release/coder/claude-code/v4.9.2).
 */
export const CLAUDE_CODE_TASKS_MODULE = {
  source: 'registry.coder.com/coder/claude-code/coder',
  version: '4.9.2',
} as const satisfies RegistryModuleSpec;

const MODULE_NAME = 'claude-code';
const TASKS_MODULE_NAME = 'claude-code-tasks';

/** Properties of {@link ClaudeCodeAgent}. */
export interface ClaudeCodeAgentProps {
  /** The agent in the dev container (`coder_agent.main`): Claude Code runs next to the code. */
  readonly agent: Agent;
  /** The workspace's `start_count` (`data.coder_workspace.me.start_count`): nothing runs while it is stopped. */
  readonly startCount: number;
  /** The dev container's workspace folder, Claude Code's working directory. */
  readonly workspaceFolder: string;
  /**
   * Default of the `claude_code` template variable.
   * @default false
   */
  readonly enabledByDefault?: boolean;
  /**
   * The Claude Code CLI version the module installs.
   * @default "latest" (the module's default)
   */
  readonly claudeCodeVersion?: string;
}

/**
 * Claude Code in the dev container, behind template variables:
 *
 * - `claude_code` (bool): the pinned `coder/claude-code` 5.x module on
 *   `coder_agent.main` (`workdir` = the workspace folder) and a "Claude Code"
 *   app (`coder_app.claude`) that starts it in the checkout.
 * - `coder_tasks` (bool, for deployments on extended support that still run
 *   Coder Tasks, v2.28-v2.36): in a Task (`data.coder_task.me.enabled`, Coder
 *   v2.28+) the 4.x module with AgentAPI replaces the 5.x one, gets the
 *   prompt, and `coder_ai_task.task` points at its app; its count follows
 *   `enabled` as terraform-provider-coder docs/data-sources/task.md shows.
 *   Outside a Task it behaves like `claude_code`.
 * - `anthropic_api_key`, `claude_code_oauth_token` (sensitive, optional): credentials.
 *
 * Terraform addresses (API): `module.claude-code`, `module.claude-code-tasks`,
 * `coder_app.claude`, `coder_ai_task.task`, `data.coder_task.me`.
 * @see https://registry.coder.com/modules/coder/claude-code
 */
export class ClaudeCodeAgent extends Construct {
  public readonly enabled: TerraformVariable;
  public readonly tasksEnabled: TerraformVariable;
  public readonly apiKey: TerraformVariable;
  public readonly oauthToken: TerraformVariable;
  public readonly task: DataCoderTask;
  public readonly module: TerraformHclModule;
  public readonly tasksModule: TerraformHclModule;
  public readonly app: App;
  public readonly aiTask: AiTask;

  public constructor(scope: Construct, id: string, props: ClaudeCodeAgentProps) {
    super(scope, id);
    this.enabled = variable(this, 'claude_code', {
      type: 'bool',
      default: props.enabledByDefault ?? false,
      description: 'Install Claude Code (coder/claude-code module) in the dev container, with an app that starts it in the checkout.',
    });
    this.tasksEnabled = variable(this, 'coder_tasks', {
      type: 'bool',
      default: false,
      description: 'Offer the template in Coder Tasks with Claude Code and AgentAPI (Coder v2.28-v2.36 or an extended-support release that keeps Tasks; implies claude_code).',
    });
    this.apiKey = variable(this, 'anthropic_api_key', {
      type: 'string',
      default: '',
      sensitive: true,
      description: 'Anthropic API key for Claude Code (optional; or use claude_code_oauth_token).',
    });
    this.oauthToken = variable(this, 'claude_code_oauth_token', {
      type: 'string',
      default: '',
      sensitive: true,
      description: 'Claude subscription token from `claude setup-token` (optional).',
    });

    // Read only with coder_tasks: without it nothing depends on Tasks.
    this.task = new DataCoderTask(this, 'task', { count: Token.asNumber(Fn.conditional(this.tasksEnabled.booleanValue, 1, 0)) });
    this.task.overrideLogicalId('me');

    // This build runs as a Coder Task (Coder v2.28+ sets `enabled`) and the template offers Tasks.
    const inTask = new TerraformLocal(this, 'in_task', `\${var.coder_tasks && try(data.coder_task.me[0].enabled, false)}`);
    inTask.overrideLogicalId('claude_code_in_task');
    const enabled = this.enabled.booleanValue;
    const tasks = this.tasksEnabled.booleanValue;
    const plainCount = Token.asNumber(Fn.conditional(Op.and(Op.or(enabled, tasks), Op.not(inTask.asBoolean)), props.startCount, 0));
    const taskCount = Token.asNumber(Fn.conditional(inTask.asBoolean, props.startCount, 0));
    const credentials = { claude_code_oauth_token: this.oauthToken.stringValue };
    const version = props.claudeCodeVersion ? { claude_code_version: props.claudeCodeVersion } : {};

    this.module = addRegistryModule(this, MODULE_NAME, CLAUDE_CODE_MODULE, {
      agentId: props.agent.id,
      count: plainCount,
      variables: { workdir: props.workspaceFolder, anthropic_api_key: this.apiKey.stringValue, ...credentials, ...version },
    });
    // v5 installs the CLI only; starting it is the template's (its README, "Standalone mode with a launcher app").
    this.app = new App(this, 'app', {
      count: plainCount,
      agentId: props.agent.id,
      slug: 'claude',
      displayName: 'Claude Code',
      icon: '/icon/claude.svg',
      openIn: 'slim-window',
      command: `#!/bin/sh\nexport PATH="$HOME/.local/bin:$PATH"\ncd "${props.workspaceFolder}" && exec claude\n`,
    });
    this.app.overrideLogicalId('claude');

    this.tasksModule = addRegistryModule(this, TASKS_MODULE_NAME, CLAUDE_CODE_TASKS_MODULE, {
      agentId: props.agent.id,
      count: taskCount,
      variables: {
        workdir: props.workspaceFolder,
        report_tasks: true,
        cli_app: false,
        ai_prompt: `\${try(data.coder_task.me[0].prompt, "")}`,
        claude_api_key: this.apiKey.stringValue,
        ...credentials,
        ...version,
      },
    });

    this.aiTask = new AiTask(this, 'ai_task', {
      count: taskCount,
      // one(): null rather than an index error when the module has no instance.
      appId: `\${one(module.${TASKS_MODULE_NAME}[*].task_app_id)}`,
    });
    this.aiTask.overrideLogicalId('task');
  }
}

function variable(scope: Construct, name: string, config: ConstructorParameters<typeof TerraformVariable>[2]): TerraformVariable {
  const v = new TerraformVariable(scope, name, config);
  v.overrideLogicalId(name);
  return v;
}
