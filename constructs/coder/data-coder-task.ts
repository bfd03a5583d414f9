import { TerraformDataSource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `data "coder_task"` (it has none besides meta-arguments; provider 2.13+).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/task
 */
export type DataCoderTaskConfig = TerraformMetaArguments;

/**
 * `data "coder_task"`: the Coder Task this workspace runs for, if any.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/task
 */
export class DataCoderTask extends TerraformDataSource {
  /** The Terraform type name of this data source. */
  public static readonly tfResourceType = 'coder_task';

  public constructor(scope: Construct, id: string, config: DataCoderTaskConfig = {}) {
    super(scope, id, {
      terraformResourceType: DataCoderTask.tfResourceType,
      ...coderMetaArguments(config),
    });
  }

  /** UUID of the task; empty in a plain workspace. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  /** The prompt the task was created with; empty in a plain workspace (Coder v2.28+). */
  public get prompt(): string {
    return this.getStringAttribute('prompt');
  }

  /** True when the workspace runs as a task (Coder v2.28+). */
  public get enabled(): IResolvable {
    return this.getBooleanAttribute('enabled');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}
