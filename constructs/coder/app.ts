import { TerraformResource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * The `healthcheck` block of an app (at most one).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/app#nested-schema-for-healthcheck
 */
export interface AppHealthcheck {
  readonly url: string;
  /** Seconds between checks. */
  readonly interval: number;
  /** Consecutive failures before the app is unhealthy. */
  readonly threshold: number;
}

/**
 * Arguments of `resource "coder_app"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/app
 */
export interface AppConfig extends TerraformMetaArguments {
  readonly agentId: string;
  /** URL-safe identifier of the app, unique per agent. */
  readonly slug: string;
  readonly displayName?: string;
  readonly url?: string;
  readonly command?: string;
  readonly icon?: string;
  readonly external?: boolean | IResolvable;
  readonly subdomain?: boolean | IResolvable;
  readonly share?: string;
  readonly openIn?: string;
  readonly order?: number;
  readonly group?: string;
  readonly hidden?: boolean | IResolvable;
  readonly tooltip?: string;
  readonly healthcheck?: AppHealthcheck;
}

/**
 * `resource "coder_app"`: a web or command app on an agent.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/app
 */
export class App extends TerraformResource {
  /** The Terraform type name of this resource. */
  public static readonly tfResourceType = 'coder_app';

  /** The configuration this binding was created with. */
  public readonly config: AppConfig;

  public constructor(scope: Construct, id: string, config: AppConfig) {
    super(scope, id, {
      terraformResourceType: App.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      agent_id: c.agentId,
      slug: c.slug,
      display_name: c.displayName,
      url: c.url,
      command: c.command,
      icon: c.icon,
      external: c.external,
      subdomain: c.subdomain,
      share: c.share,
      open_in: c.openIn,
      order: c.order,
      group: c.group,
      hidden: c.hidden,
      tooltip: c.tooltip,
      healthcheck: c.healthcheck && [c.healthcheck],
    };
  }
}
