import { TerraformResource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `resource "coder_ai_task"` (Coder Tasks, provider 2.13+).
 * The deprecated `sidebar_app` block of the pre-2.28 Tasks format is left out.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/ai_task
 */
export interface AiTaskConfig extends TerraformMetaArguments {
  /** The `coder_app` the Tasks UI shows for the task (an agent module's `task_app_id`). */
  readonly appId?: string;
}

/**
 * `resource "coder_ai_task"`: marks the template as a Coder Tasks template
 * and links the task to the agent's app.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/ai_task
 */
export class AiTask extends TerraformResource {
  /** The Terraform type name of this resource. */
  public static readonly tfResourceType = 'coder_ai_task';

  /** The configuration this binding was created with. */
  public readonly config: AiTaskConfig;

  public constructor(scope: Construct, id: string, config: AiTaskConfig = {}) {
    super(scope, id, {
      terraformResourceType: AiTask.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  /** The task's prompt (populated by Coder v2.28 and later). */
  public get prompt(): string {
    return this.getStringAttribute('prompt');
  }

  /** True when the workspace runs as a task (Coder v2.28 and later). */
  public get enabled(): IResolvable {
    return this.getBooleanAttribute('enabled');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { app_id: this.config.appId };
  }
}
