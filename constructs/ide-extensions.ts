import { Construct } from 'constructs';
import { CODE_SERVER_INSTALL_PREFIX, RECORD_DIR } from '../builder/extensions/recorded.js';
import type { Agent } from './coder/generated/agent/index.js';
import { Script } from './coder/generated/script/index.js';
import { renderIdeExtensionsScript } from './ide-extensions-script.js';

/** Properties of {@link IdeExtensions}. */
export interface IdeExtensionsProps {
  /** The agent in the dev container (`coder_agent.main`). */
  readonly agent: Agent;
  /**
   * `install_prefix` of the code-server module; the script uses `<prefix>/bin/code-server`.
   * @default "/tmp/code-server" (the module's default, which the builder also uses)
   */
  readonly codeServerInstallPrefix?: string;
  /**
   * How long the script waits for the code-server module to install code-server.
   * @default 900
   */
  readonly codeServerWaitSeconds?: number;
  /**
   * How long the recorded settings are re-applied if the code-server module
   * rewrites its machine settings (it does so once, when it starts).
   * @default 300
   */
  readonly settingsGuardSeconds?: number;
  /**
   * How long a background watcher installs the extensions into VS Code
   * Desktop servers that appear in `~/.vscode-server`; 0 turns it off.
   * @default 43200 (12 hours: a working day after each start)
   */
  readonly vscodeDesktopWatchSeconds?: number;
}

/**
 * Installs the VS Code extensions and settings from `devcontainer.json` (as
 * recorded by devcontainer-builder in the dev container) into the IDEs:
 *
 * - **code-server** (the web IDE from the code-server module): the builder
 *   normally installs them before the agent starts, so they are present when
 *   the app first reports healthy; this `coder_script` installs whatever is
 *   still missing once the module's code-server exists and writes the
 *   settings as code-server's machine settings.
 * - **VS Code Desktop** (Coder Remote-SSH): writes the settings as the VS Code
 *   server's machine settings before the first connect and installs the
 *   extensions into each VS Code server as soon as it appears.
 *
 * Resource address (API): `coder_script.devcontainer_extensions`.
 * @see docs/ides-and-agents.md
 */
export class IdeExtensions extends Construct {
  /** The start script resource. */
  public readonly script: Script;
  /** Inputs the code-server module needs for the builder's copy of code-server to be reused. */
  public readonly codeServerModuleVariables: Readonly<Record<string, unknown>>;

  public constructor(scope: Construct, id: string, props: IdeExtensionsProps) {
    super(scope, id);
    const prefix = props.codeServerInstallPrefix ?? CODE_SERVER_INSTALL_PREFIX;
    if (!prefix.startsWith('/')) {
      throw new Error(`IdeExtensions: codeServerInstallPrefix must be an absolute path, got "${prefix}".`);
    }
    const body = renderIdeExtensionsScript({
      recordDir: RECORD_DIR,
      codeServerBinary: `${prefix}/bin/code-server`,
      codeServerWaitSeconds: props.codeServerWaitSeconds ?? 900,
      settingsGuardSeconds: props.settingsGuardSeconds ?? 300,
      desktopWatchSeconds: props.vscodeDesktopWatchSeconds ?? 43_200,
    });
    this.script = new Script(this, 'Resource', {
      agentId: props.agent.id,
      displayName: 'Dev container extensions',
      icon: '/icon/code.svg',
      script: escapeTerraformTemplate(body),
      runOnStart: true,
      // Extensions are a convenience: never keep the user out while they install.
      startBlocksLogin: false,
    });
    this.script.overrideLogicalId('devcontainer_extensions');
    this.codeServerModuleVariables = {
      install_prefix: prefix,
      // Reuse the copy the builder installed (with the extensions already in
      // place) instead of downloading code-server again on every start.
      use_cached: true,
    };
  }
}

/**
 * Terraform evaluates `${…}` and `%{…}` inside JSON strings; the script's
 * shell syntax must reach the agent literally.
 */
export function escapeTerraformTemplate(text: string): string {
  // Replacer functions: in a replacement string `$$` would itself mean `$`.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}
