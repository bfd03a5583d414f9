import { TerraformDataSource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * One `option` block of a parameter with a fixed set of values.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/parameter#nested-schema-for-option
 */
export interface ParameterOption {
  readonly name: string;
  readonly value: string;
  readonly description?: string;
  readonly icon?: string;
}

/**
 * The `validation` block of a parameter (at most one).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/parameter#nested-schema-for-validation
 */
export interface ParameterValidation {
  /** Minimum of a `number` parameter. */
  readonly min?: number;
  /** Maximum of a `number` parameter. */
  readonly max?: number;
  /** `increasing` or `decreasing` for a `number` parameter. */
  readonly monotonic?: string;
  /** Regular expression a `string` parameter must match. */
  readonly regex?: string;
  /** Message shown when the value is rejected. */
  readonly error?: string;
}

/**
 * Arguments of `data "coder_parameter"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/parameter
 */
export interface DataCoderParameterConfig extends TerraformMetaArguments {
  /** The parameter's name: the key users and the CLI (`--parameter`) use. */
  readonly name: string;
  /** `string`, `number`, `bool` or `list(string)`. */
  readonly type?: string;
  readonly default?: string;
  readonly description?: string;
  readonly displayName?: string;
  readonly ephemeral?: boolean | IResolvable;
  readonly formType?: string;
  readonly icon?: string;
  readonly mutable?: boolean | IResolvable;
  readonly order?: number;
  readonly styling?: string;
  readonly option?: ParameterOption[];
  readonly validation?: ParameterValidation;
}

/**
 * `data "coder_parameter"`: a value the user chooses for the workspace.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/data-sources/parameter
 */
export class DataCoderParameter extends TerraformDataSource {
  /** The Terraform type name of this data source. */
  public static readonly tfResourceType = 'coder_parameter';

  /** The configuration this binding was created with. */
  public readonly config: DataCoderParameterConfig;

  public constructor(scope: Construct, id: string, config: DataCoderParameterConfig) {
    super(scope, id, {
      terraformResourceType: DataCoderParameter.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  /** The chosen value, always as a string (convert with `tonumber`/`tobool`). */
  public get value(): string {
    return this.getStringAttribute('value');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    const v = c.validation;
    return {
      name: c.name,
      type: c.type,
      default: c.default,
      description: c.description,
      display_name: c.displayName,
      ephemeral: c.ephemeral,
      form_type: c.formType,
      icon: c.icon,
      mutable: c.mutable,
      order: c.order,
      styling: c.styling,
      option: c.option?.map((o) => ({ name: o.name, value: o.value, description: o.description, icon: o.icon })),
      validation: v && [{ min: v.min, max: v.max, monotonic: v.monotonic, regex: v.regex, error: v.error }],
    };
  }
}
