import { TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Arguments of `resource "coder_env"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/env
 */
export interface EnvConfig extends TerraformMetaArguments {
  /** The agent whose sessions and scripts get the variable. */
  readonly agentId: string;
  /** Name of the environment variable. */
  readonly name: string;
  /** Its value. */
  readonly value?: string;
}

/**
 * `resource "coder_env"`: an environment variable of an agent's sessions and scripts.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/env
 */
export class Env extends TerraformResource {
  /** The Terraform type name of this resource. */
  public static readonly tfResourceType = 'coder_env';

  /** The configuration this binding was created with. */
  public readonly config: EnvConfig;

  public constructor(scope: Construct, id: string, config: EnvConfig) {
    super(scope, id, {
      terraformResourceType: Env.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { agent_id: this.config.agentId, name: this.config.name, value: this.config.value };
  }
}
