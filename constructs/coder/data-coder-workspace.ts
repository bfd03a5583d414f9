import { TerraformDataSource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `data "coder_workspace"` (it has none besides meta-arguments).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/workspace
 */
export type DataCoderWorkspaceConfig = TerraformMetaArguments;

/**
 * `data "coder_workspace"`: the workspace being provisioned.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/workspace
 */
export class DataCoderWorkspace extends TerraformDataSource {
  /** The Terraform type name of this data source. */
  public static readonly tfResourceType = 'coder_workspace';

  public constructor(scope: Construct, id: string, config: DataCoderWorkspaceConfig = {}) {
    super(scope, id, {
      terraformResourceType: DataCoderWorkspace.tfResourceType,
      ...coderMetaArguments(config),
    });
  }

  /** UUID of the workspace. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  /** Name of the workspace. */
  public get name(): string {
    return this.getStringAttribute('name');
  }

  /** The access URL of the Coder deployment provisioning this workspace. */
  public get accessUrl(): string {
    return this.getStringAttribute('access_url');
  }

  /** 1 while the workspace is starting or running, 0 when it is stopped. */
  public get startCount(): number {
    return this.getNumberAttribute('start_count');
  }

  /** `start`, `stop` or `delete`. */
  public get transition(): string {
    return this.getStringAttribute('transition');
  }

  /** Name of the template the workspace was created from. */
  public get templateName(): string {
    return this.getStringAttribute('template_name');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}
