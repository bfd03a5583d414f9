import { Fn, Op, TerraformVariable, Token, type TerraformHclModule } from 'cdktf';
import { Construct } from 'constructs';
import type { Agent } from './coder/generated/agent/index.js';
import { AiTask } from './coder/generated/ai-task/index.js';
import { DataCoderTask } from './coder/generated/data-coder-task/index.js';
import { addRegistryModule, type RegistryModuleSpec } from './registry-module.js';

/** The Claude Code module, pinned (4.x: `workdir`, `ai_prompt`, `report_tasks`, output `task_app_id`). */
export const CLAUDE_CODE_MODULE = {
  source: 'registry.coder.com/coder/claude-code/coder',
  version: '4.2.7',
} as const satisfies RegistryModuleSpec;

const MODULE_NAME = 'claude-code';

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
 * - `claude_code` (bool): adds the pinned `coder/claude-code` module on
 *   `coder_agent.main` with `workdir` = the workspace folder.
 * - `coder_tasks` (bool): also registers the template for Coder Tasks in the
 *   format of Coder v2.28+ (`data "coder_task"` gives the prompt to the module,
 *   `coder_ai_task.app_id` points at the module's `task_app_id`). Coder removed
 *   Tasks from new releases from v2.37; keep it off unless your deployment runs
 *   v2.28-v2.36 or an ESR that still has Tasks. Turning it on implies `claude_code`.
 * - `anthropic_api_key`, `claude_code_oauth_token` (sensitive, optional): credentials for the module.
 *
 * Terraform addresses (API): `module.claude-code`, `coder_ai_task.task`, `data.coder_task.me`.
 * @see https://registry.coder.com/modules/coder/claude-code
 * @see https://coder.com/docs/ai-coder/tasks
 */
export class ClaudeCodeAgent extends Construct {
  public readonly enabled: TerraformVariable;
  public readonly tasksEnabled: TerraformVariable;
  public readonly apiKey: TerraformVariable;
  public readonly oauthToken: TerraformVariable;
  public readonly task: DataCoderTask;
  public readonly module: TerraformHclModule;
  public readonly aiTask: AiTask;

  public constructor(scope: Construct, id: string, props: ClaudeCodeAgentProps) {
    super(scope, id);
    this.enabled = variable(this, 'claude_code', {
      type: 'bool',
      default: props.enabledByDefault ?? false,
      description: 'Run the Claude Code agent (coder/claude-code module) inside the dev container.',
    });
    this.tasksEnabled = variable(this, 'coder_tasks', {
      type: 'bool',
      default: false,
      description: 'Offer the template in Coder Tasks with Claude Code (needs Coder v2.28-v2.36 or an ESR that keeps Tasks; implies claude_code).',
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

    this.task = new DataCoderTask(this, 'task');
    this.task.overrideLogicalId('me');

    const enabled = this.enabled.booleanValue;
    const tasks = this.tasksEnabled.booleanValue;
    this.module = addRegistryModule(this, MODULE_NAME, CLAUDE_CODE_MODULE, {
      agentId: props.agent.id,
      count: Fn.conditional(Op.or(enabled, tasks), props.startCount, 0),
      variables: {
        workdir: props.workspaceFolder,
        // AgentAPI and status reporting only serve Tasks; otherwise a plain CLI app.
        report_tasks: tasks,
        cli_app: Op.not(tasks),
        ai_prompt: this.task.prompt,
        claude_api_key: this.apiKey.stringValue,
        claude_code_oauth_token: this.oauthToken.stringValue,
        ...(props.claudeCodeVersion ? { claude_code_version: props.claudeCodeVersion } : {}),
      },
    });

    this.aiTask = new AiTask(this, 'ai_task', {
      count: Token.asNumber(Fn.conditional(tasks, props.startCount, 0)),
      // one(): null rather than an index error when the module has no instance.
      appId: `\${one(module.${MODULE_NAME}[*].task_app_id)}`,
    });
    this.aiTask.overrideLogicalId('task');
  }
}

function variable(scope: Construct, name: string, config: ConstructorParameters<typeof TerraformVariable>[2]): TerraformVariable {
  const v = new TerraformVariable(scope, name, config);
  v.overrideLogicalId(name);
  return v;
}
