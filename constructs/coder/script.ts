import { TerraformResource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `resource "coder_script"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/script
 */
export interface ScriptConfig extends TerraformMetaArguments {
  /** The agent that runs the script. */
  readonly agentId: string;
  /** Shown in the workspace's startup logs as the log source name. */
  readonly displayName: string;
  /** The script; the agent runs it with the shebang's interpreter. */
  readonly script: string;
  readonly icon?: string;
  /** A cron schedule (six fields) to run the script on. */
  readonly cron?: string;
  /** Where the agent writes the script's output inside the workspace. */
  readonly logPath?: string;
  readonly runOnStart?: boolean | IResolvable;
  readonly runOnStop?: boolean | IResolvable;
  /** Users cannot log in until the script has finished. */
  readonly startBlocksLogin?: boolean | IResolvable;
  /** Seconds before the agent stops waiting for the script (0: no limit). */
  readonly timeout?: number;
}

/**
 * `resource "coder_script"`: a script the agent runs on start, on stop or on a schedule.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/script
 */
export class Script extends TerraformResource {
  /** The Terraform type name of this resource. */
  public static readonly tfResourceType = 'coder_script';

  /** The configuration this binding was created with. */
  public readonly config: ScriptConfig;

  public constructor(scope: Construct, id: string, config: ScriptConfig) {
    super(scope, id, {
      terraformResourceType: Script.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  /** UUID of the script. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      agent_id: c.agentId,
      display_name: c.displayName,
      script: c.script,
      icon: c.icon,
      cron: c.cron,
      log_path: c.logPath,
      run_on_start: c.runOnStart,
      run_on_stop: c.runOnStop,
      start_blocks_login: c.startBlocksLogin,
      timeout: c.timeout,
    };
  }
}
