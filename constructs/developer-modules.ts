import { Construct } from 'constructs';
import type { IResolvable } from 'cdktf';
import type { Agent } from './coder/generated/agent/index.js';
import { Env } from './coder/generated/env/index.js';
import { Script } from './coder/generated/script/index.js';
import { escapeTerraformTemplate } from './ide-extensions.js';

/** Properties of {@link DeveloperModules}. */
export interface DeveloperModulesProps {
  /** The agent in the dev container (`coder_agent.main`). */
  readonly agent: Agent;
  /** `count` of each resource: the workspace's `start_count`, so they exist only while it runs. */
  readonly count: number | string | IResolvable;
  /**
   * The URL of Coder as seen from inside the pod (the template's `agent_url`
   * when set, else the access URL): `CODER_URL` of the `coder` CLI.
   */
  readonly coderUrl: string;
  /** The owner's session token (`data.coder_workspace_owner.me.session_token`): `CODER_SESSION_TOKEN`. */
  readonly sessionToken: string;
  /**
   * The owner (`data.coder_workspace_owner.me`), for the git identity.
   * @default - no git identity
   */
  readonly owner?: { readonly name: string; readonly fullName: string; readonly email: string };
  /**
   * Log the `coder` CLI in inside the workspace.
   * @default true
   */
  readonly coderLogin?: boolean;
  /**
   * Sign git commits with the owner's Coder SSH key.
   * @default true
   */
  readonly gitCommitSigning?: boolean;
}

/**
 * Owner-specific settings of the dev container, as `coder_env` and
 * `coder_script` only: the agent fetches them from Coder when it starts and
 * again when it reinitializes after a prebuilt workspace is claimed (the
 * pod is never touched; coder/coder cli/agent.go, the reinit loop). What the
 * registry modules `git-config`, `coder-login` and `git-commit-signing` did,
 * rebuilt so that they work in this pod:
 *
 * - `coder_env.git_{author,committer}_{name,email}`: the owner's git identity.
 *
 * - `coder-login` sets `CODER_URL` to the access URL, which the pod may not
 *   reach (coder/registry registry/coder/modules/coder-login/main.tf); here
 *   `coder_env.coder_url` uses the template's `agent_url` when it is set, and
 *   `coder_env.coder_session_token` carries the owner's token.
 * - `git-commit-signing` fails the workspace start when the image lacks curl
 *   or jq (its README: "It requires curl and jq"); here
 *   `coder_script.git_commit_signing` says what is missing and starts anyway.
 *
 * Terraform addresses (API): `coder_env.git_author_name` (and `_email`,
 * `git_committer_*`), `coder_env.coder_url`, `coder_env.coder_session_token`,
 * `coder_script.git_commit_signing`.
 */
export class DeveloperModules extends Construct {
  /** The environment variables of the coder CLI login, when enabled. */
  public readonly login?: { readonly url: Env; readonly token: Env };
  /** `GIT_AUTHOR_*` and `GIT_COMMITTER_*`, when the owner is given. */
  public readonly gitIdentity: Env[] = [];
  /** The commit signing script, when enabled. */
  public readonly signing?: Script;

  public constructor(scope: Construct, id: string, props: DeveloperModulesProps) {
    super(scope, id);
    const count = props.count as number;
    const env = (name: string, logicalId: string, value: string) => {
      const e = new Env(this, logicalId, { agentId: props.agent.id, name, value, count });
      e.overrideLogicalId(logicalId);
      return e;
    };
    if (props.owner) {
      // As coder/registry registry/coder/modules/git-config/main.tf sets them
      // (without its parameters): the full name, else the user name.
      const name = `\${coalesce(${props.owner.fullName}, ${props.owner.name})}`;
      for (const role of ['author', 'committer']) {
        this.gitIdentity.push(env(`GIT_${role.toUpperCase()}_NAME`, `git_${role}_name`, name), env(`GIT_${role.toUpperCase()}_EMAIL`, `git_${role}_email`, props.owner.email));
      }
    }
    if (props.coderLogin ?? true) {
      this.login = { url: env('CODER_URL', 'coder_url', props.coderUrl), token: env('CODER_SESSION_TOKEN', 'coder_session_token', props.sessionToken) };
    }
    if (props.gitCommitSigning ?? true) {
      this.signing = new Script(this, 'git_commit_signing', {
        agentId: props.agent.id,
        count,
        displayName: 'Git commit signing',
        icon: '/icon/git.svg',
        script: escapeTerraformTemplate(GIT_COMMIT_SIGNING_SCRIPT),
        runOnStart: true,
        startBlocksLogin: false,
      });
      this.signing.overrideLogicalId('git_commit_signing');
    }
  }
}

/**
 * Fetches the owner's Git SSH key from the agent API
 * (`GET /api/v2/workspaceagents/me/gitsshkey`, coder/coder
 * coderd/workspaceagents.go) with the agent's token, which the agent puts in
 * every script's environment with `CODER_AGENT_URL` (coder/coder agent/agent.go,
 * updateCommandEnv). The token goes to curl on stdin (`--config -`), never in argv.
 */
export const GIT_COMMIT_SIGNING_SCRIPT = `#!/bin/sh
missing=""
for tool in git curl jq; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "Git commit signing is off: the dev container has no$missing. Add them to the image to sign commits with your Coder SSH key."
  exit 0
fi
dir="$HOME/.ssh/git-commit-signing"
umask 077
mkdir -p "$dir"
if ! key=$(printf 'header = "Coder-Session-Token: %s"\\n' "$CODER_AGENT_TOKEN" | curl -fsS --config - "\${CODER_AGENT_URL%/}/api/v2/workspaceagents/me/gitsshkey"); then
  echo "Git commit signing is off: Coder did not return your SSH key (see the curl error above)."
  exit 0
fi
printf '%s\\n' "$key" | jq -r .private_key > "$dir/coder"
printf '%s\\n' "$key" | jq -r .public_key > "$dir/coder.pub"
git config --global gpg.format ssh
git config --global user.signingkey "$dir/coder"
git config --global commit.gpgsign true
echo "Git commit signing is on: commits are signed with your Coder SSH key (git 2.34 or newer)."
`;
