import { TerraformDataSource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `data "coder_external_auth"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/external_auth
 */
export interface DataCoderExternalAuthConfig extends TerraformMetaArguments {
  /** The id of the external auth provider configured on the Coder server. */
  readonly externalAuthId: string;
  /** Whether the user may skip authenticating before creating a workspace. */
  readonly optional?: boolean | IResolvable;
}

/**
 * `data "coder_external_auth"`: an OAuth token of the workspace owner (e.g. GitHub).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/external_auth
 */
export class DataCoderExternalAuth extends TerraformDataSource {
  /** The Terraform type name of this data source. */
  public static readonly tfResourceType = 'coder_external_auth';

  /** The configuration this binding was created with. */
  public readonly config: DataCoderExternalAuthConfig;

  public constructor(scope: Construct, id: string, config: DataCoderExternalAuthConfig) {
    super(scope, id, {
      terraformResourceType: DataCoderExternalAuth.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  /** The owner's access token (sensitive: pass it only as environment). */
  public get accessToken(): string {
    return this.getStringAttribute('access_token');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    // The provider names this argument `id`; the binding calls it
    // externalAuthId because `id` is the construct id in cdktf.
    return { id: this.config.externalAuthId, optional: this.config.optional };
  }
}
