import { TerraformProvider, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderGeneratorMetadata } from './version.js';

/** Configuration of the `coder` provider block. */
export interface CoderProviderConfig extends Pick<TerraformMetaArguments, never> {
  /**
   * The URL to access Coder.
   * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs#url
   */
  readonly url?: string;
  /** Provider alias, for templates that configure the provider twice. */
  readonly alias?: string;
}

/**
 * The `coder/coder` provider. Inside a Coder provisioner it needs no
 * configuration: the provisioner injects the workspace context.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs
 */
export class CoderProvider extends TerraformProvider {
  /** The Terraform type name of this provider. */
  public static readonly tfResourceType = 'coder';

  private readonly config: CoderProviderConfig;

  public constructor(scope: Construct, id: string, config: CoderProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: CoderProvider.tfResourceType,
      terraformGeneratorMetadata: coderGeneratorMetadata,
      terraformProviderSource: 'coder/coder',
    });
    this.config = config;
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { url: this.config.url, alias: this.alias };
  }
}
