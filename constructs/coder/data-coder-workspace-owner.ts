import { TerraformDataSource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `data "coder_workspace_owner"` (it has none besides meta-arguments).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/workspace_owner
 */
export type DataCoderWorkspaceOwnerConfig = TerraformMetaArguments;

/**
 * `data "coder_workspace_owner"`: the user who owns the workspace.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/workspace_owner
 */
export class DataCoderWorkspaceOwner extends TerraformDataSource {
  /** The Terraform type name of this data source. */
  public static readonly tfResourceType = 'coder_workspace_owner';

  public constructor(scope: Construct, id: string, config: DataCoderWorkspaceOwnerConfig = {}) {
    super(scope, id, {
      terraformResourceType: DataCoderWorkspaceOwner.tfResourceType,
      ...coderMetaArguments(config),
    });
  }

  /** UUID of the owner. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  /** Username of the owner. */
  public get name(): string {
    return this.getStringAttribute('name');
  }

  /** Email address of the owner. */
  public get email(): string {
    return this.getStringAttribute('email');
  }

  /** The owner's session token for the workspace (sensitive: pass it only as environment). */
  public get sessionToken(): string {
    return this.getStringAttribute('session_token');
  }

  /** Display name of the owner. */
  public get fullName(): string {
    return this.getStringAttribute('full_name');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}
