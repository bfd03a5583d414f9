import { Token, type TerraformHclModule } from 'cdktf';
import { Construct } from 'constructs';
import type { Agent } from './coder/generated/agent/index.js';
import type { DataCoderParameter } from './coder/generated/data-coder-parameter/index.js';
import { addRegistryModule, type RegistryModuleSpec } from './registry-module.js';
import type { WorkspaceParameters } from './workspace-parameters.js';

/** The dotfiles module, pinned (1.4.x: inputs `dotfiles_uri`, `dotfiles_branch`, `user`). */
export const DOTFILES_MODULE = {
  source: 'registry.coder.com/coder/dotfiles/coder',
  version: '1.4.2',
} as const satisfies RegistryModuleSpec;

/**
 * The URLs the module accepts: its `dotfiles_uri` variable validation and the
 * check in its run.sh (coder/registry registry/coder/modules/dotfiles/main.tf,
 * run.sh at release/coder/dotfiles/v1.4.2). The parameter uses the same
 * pattern, so a value the module would reject never reaches it.
 */
export const DOTFILES_URI_PATTERN = '^$|^(https?://|ssh://|git@|git://)[a-zA-Z0-9._/:@~-]+$';

/** Properties of {@link Dotfiles}. */
export interface DotfilesProps {
  /** The agent in the dev container (`coder_agent.main`): dotfiles belong to the remote user there. */
  readonly agent: Agent;
  /** The workspace's `start_count`: the script runs only while the workspace runs. */
  readonly startCount: number;
  /** The template's parameters: `dotfiles_uri` joins them (and so the default preset). */
  readonly parameters: WorkspaceParameters;
  /**
   * Default of the `dotfiles_uri` parameter.
   * @default "" (no dotfiles)
   */
  readonly defaultUri?: string;
  /**
   * Position of the parameter in the form.
   * @default 9
   */
  readonly order?: number;
}

/**
 * The owner's dotfiles in the dev container, with the pinned `coder/dotfiles`
 * module on `coder_agent.main` (it runs `coder dotfiles <url> -y` as a
 * start script, as the remote user).
 *
 * The template owns the `dotfiles_uri` parameter and passes its value to the
 * module: given `dotfiles_uri`, the module creates no parameter of its own
 * (its `data.coder_parameter.dotfiles_uri` has `count = var.dotfiles_uri ==
 * null ? 1 : 0`), and with `dotfiles_branch = ""` none for the branch either
 * (the repository's default branch). The module's script still starts, and
 * prints nothing, when the URL is empty, so an empty parameter instead
 * removes the module (`count = 0`): no script, nothing in the start log.
 *
 * Terraform addresses (API): `data.coder_parameter.dotfiles_uri`, `module.dotfiles`.
 * @see https://registry.coder.com/modules/coder/dotfiles
 */
export class Dotfiles extends Construct {
  public readonly uri: DataCoderParameter;
  public readonly module: TerraformHclModule;

  public constructor(scope: Construct, id: string, props: DotfilesProps) {
    super(scope, id);
    this.uri = props.parameters.addParameter({
      name: 'dotfiles_uri',
      displayName: 'Dotfiles URL',
      description:
        'Git URL of your dotfiles repository (https://dotfiles.github.io), applied in the dev container with `coder dotfiles` on each start. Empty: no dotfiles.',
      icon: '/icon/dotfiles.svg',
      type: 'string',
      default: props.defaultUri ?? '',
      mutable: true,
      order: props.order ?? 9,
      validation: { regex: DOTFILES_URI_PATTERN, error: 'Enter an https://, ssh://, git@ or git:// URL of your dotfiles repository, or leave it empty.' },
    });
    this.module = addRegistryModule(this, 'dotfiles', DOTFILES_MODULE, {
      agentId: props.agent.id,
      // A raw condition: cdktf 0.21's Op.neq drops a "" operand (renders `undefined`).
      count: `\${${this.uri.value} != "" ? ${Token.asString(props.startCount)} : 0}`,
      variables: { dotfiles_uri: this.uri.value, dotfiles_branch: '' },
    });
  }
}
