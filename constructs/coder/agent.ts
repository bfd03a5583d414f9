import { TerraformResource, type IResolvable, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { coderMetaArguments } from './version.js';

/**
 * Built-in apps shown in the agent bar (`display_apps` block, at most one).
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/agent#nested-schema-for-display_apps
 */
export interface AgentDisplayApps {
  readonly vscode?: boolean | IResolvable;
  readonly vscodeInsiders?: boolean | IResolvable;
  readonly webTerminal?: boolean | IResolvable;
  readonly sshHelper?: boolean | IResolvable;
  readonly portForwardingHelper?: boolean | IResolvable;
}

/**
 * One `metadata` block: a script the agent runs every `interval` seconds.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/agent#nested-schema-for-metadata
 */
export interface AgentMetadata {
  readonly key: string;
  readonly script: string;
  /** Seconds between runs. */
  readonly interval: number;
  readonly displayName?: string;
  /** Seconds before a run is abandoned. */
  readonly timeout?: number;
  readonly order?: number;
}

/**
 * Arguments of `resource "coder_agent"`.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/agent
 */
export interface AgentConfig extends TerraformMetaArguments {
  /** The architecture the agent runs on (`amd64`, `arm64`, `armv7`). */
  readonly arch: string;
  /** The operating system the agent runs on (`linux`, `darwin`, `windows`). */
  readonly os: string;
  readonly auth?: string;
  readonly apiKeyScope?: string;
  /** Seconds Coder waits for the agent to connect before showing it as timed out. */
  readonly connectionTimeout?: number;
  /** The starting directory of shell sessions (deprecated upstream, still honoured). */
  readonly dir?: string;
  readonly env?: Record<string, string>;
  readonly motdFile?: string;
  readonly order?: number;
  readonly shutdownScript?: string;
  readonly startupScript?: string;
  readonly startupScriptBehavior?: string;
  readonly troubleshootingUrl?: string;
  readonly displayApps?: AgentDisplayApps;
  readonly metadata?: AgentMetadata[];
}

/**
 * `resource "coder_agent"`: the agent that connects a workspace to Coder.
 * @see https://registry.terraform.io/providers/coder/coder/2.17.0/docs/resources/agent
 */
export class Agent extends TerraformResource {
  /** The Terraform type name of this resource. */
  public static readonly tfResourceType = 'coder_agent';

  /** The configuration this binding was created with. */
  public readonly config: AgentConfig;

  public constructor(scope: Construct, id: string, config: AgentConfig) {
    super(scope, id, {
      terraformResourceType: Agent.tfResourceType,
      ...coderMetaArguments(config),
    });
    this.config = config;
  }

  /** The agent's UUID. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  /** The agent's session token (sensitive: pass it only as environment). */
  public get token(): string {
    return this.getStringAttribute('token');
  }

  /** The script that downloads and starts the agent binary. */
  public get initScript(): string {
    return this.getStringAttribute('init_script');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    const apps = c.displayApps;
    return {
      arch: c.arch,
      os: c.os,
      auth: c.auth,
      api_key_scope: c.apiKeyScope,
      connection_timeout: c.connectionTimeout,
      dir: c.dir,
      env: c.env,
      motd_file: c.motdFile,
      order: c.order,
      shutdown_script: c.shutdownScript,
      startup_script: c.startupScript,
      startup_script_behavior: c.startupScriptBehavior,
      troubleshooting_url: c.troubleshootingUrl,
      display_apps: apps && [
        {
          vscode: apps.vscode,
          vscode_insiders: apps.vscodeInsiders,
          web_terminal: apps.webTerminal,
          ssh_helper: apps.sshHelper,
          port_forwarding_helper: apps.portForwardingHelper,
        },
      ],
      metadata: c.metadata?.map((m) => ({
        key: m.key,
        display_name: m.displayName,
        script: m.script,
        interval: m.interval,
        timeout: m.timeout,
        order: m.order,
      })),
    };
  }
}
