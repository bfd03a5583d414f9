import { TerraformDataSource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `data "coder_provisioner"` (it has none besides meta-arguments).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/provisioner
 */
export type DataCoderProvisionerConfig = TerraformMetaArguments;

/**
 * `data "coder_provisioner"`: the machine running the provisioner.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/provisioner
 */
export class DataCoderProvisioner extends TerraformDataSource {
  /** The Terraform type name of this data source. */
  public static readonly tfResourceType = 'coder_provisioner';

  public constructor(scope: Construct, id: string, config: DataCoderProvisionerConfig = {}) {
    super(scope, id, {
      terraformResourceType: DataCoderProvisioner.tfResourceType,
      ...coderMetaArguments(config),
    });
  }

  /** The provisioner's architecture (`amd64`, `arm64`, …). */
  public get arch(): string {
    return this.getStringAttribute('arch');
  }

  /** The provisioner's operating system. */
  public get os(): string {
    return this.getStringAttribute('os');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}
