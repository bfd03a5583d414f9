import { TerraformResource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * One `item` block: a key/value pair shown on the resource in the Coder UI.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/metadata#nested-schema-for-item
 */
export interface MetadataItem {
  readonly key: string;
  readonly value?: string;
  readonly sensitive?: boolean | IResolvable;
}

/**
 * Arguments of `resource "coder_metadata"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/metadata
 */
export interface MetadataConfig extends TerraformMetaArguments {
  /** The `id` of the resource the items describe. */
  readonly resourceId: string;
  readonly hide?: boolean | IResolvable;
  readonly icon?: string;
  readonly dailyCost?: number;
  readonly item?: MetadataItem[];
}

/**
 * `resource "coder_metadata"`: extra facts about another resource of the workspace.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/metadata
 */
export class Metadata extends TerraformResource {
  /** The Terraform type name of this resource. */
  public static readonly tfResourceType = 'coder_metadata';

  /** The configuration this binding was created with. */
  public readonly config: MetadataConfig;

  public constructor(scope: Construct, id: string, config: MetadataConfig) {
    super(scope, id, {
      terraformResourceType: Metadata.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      resource_id: c.resourceId,
      hide: c.hide,
      icon: c.icon,
      daily_cost: c.dailyCost,
      item: c.item?.map((i) => ({ key: i.key, value: i.value, sensitive: i.sensitive })),
    };
  }
}
