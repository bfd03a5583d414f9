import { Construct } from 'constructs';
import type { IResolvable } from 'cdktf';
import type { Agent } from './coder/generated/agent/index.js';
import { Script } from './coder/generated/script/index.js';
import { escapeTerraformTemplate } from './ide-extensions.js';

/** Properties of {@link StartDirectory}. */
export interface StartDirectoryProps {
  /** The agent in the dev container (`coder_agent.main`). */
  readonly agent: Agent;
  /** `count` of the script: the workspace's `start_count`. */
  readonly count: number | string | IResolvable;
  /** Name of the agent environment variable that holds the checkout folder. */
  readonly folderVariable: string;
}

/** The marker that makes {@link START_DIRECTORY_SCRIPT} add its line once per file. */
export const START_DIRECTORY_MARKER = '# coder-devcontainer-kubernetes: start in the checkout';

/**
 * Terminals and SSH sessions start in the checkout without `coder_agent.dir`.
 *
 * coder/coder 2.17.0 warns on every plan for a `dir` other than `$HOME`
 * (terraform-provider-coder provider/helpers/validation.go), and the agent
 * starts sessions in `dir`, else in the user's home (coder/coder
 * agent/agentssh/agentssh.go, `WorkingDirectory`). So interactive bash and
 * zsh shells change into the checkout themselves, and only when they start
 * in `$HOME`: a terminal an IDE opens in another folder stays there.
 *
 * Resource address (API): `coder_script.start_directory`.
 */
export class StartDirectory extends Construct {
  public readonly script: Script;

  public constructor(scope: Construct, id: string, props: StartDirectoryProps) {
    super(scope, id);
    if (!/^[A-Z_][A-Z0-9_]*$/.test(props.folderVariable)) {
      throw new Error(`StartDirectory: folderVariable must be an environment variable name, got "${props.folderVariable}".`);
    }
    this.script = new Script(this, 'Resource', {
      agentId: props.agent.id,
      count: props.count as number,
      displayName: 'Start directory',
      icon: '/icon/folder.svg',
      script: escapeTerraformTemplate(startDirectoryScript(props.folderVariable)),
      runOnStart: true,
      // Sessions opened before the line exists simply start in $HOME.
      startBlocksLogin: false,
    });
    this.script.overrideLogicalId('start_directory');
  }
}

/** The start script: appends one guarded `cd` line to ~/.bashrc and (if present) ~/.zshrc. */
export function startDirectoryScript(folderVariable: string): string {
  const v = `\${${folderVariable}:-}`;
  const line = `[ "$PWD" = "$HOME" ] && [ -n "${v}" ] && [ -d "${v}" ] && cd "${v}"  ${START_DIRECTORY_MARKER}`;
  return `#!/bin/sh
set -eu
for rc in "$HOME/.bashrc" "$HOME/.zshrc"; do
  case "$rc" in *.zshrc) [ -f "$rc" ] || continue ;; esac
  grep -qsF '${START_DIRECTORY_MARKER}' "$rc" && continue
  printf '%s\\n' '${line}' >> "$rc"
done
`;
}
