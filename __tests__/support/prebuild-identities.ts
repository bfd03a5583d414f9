// The two identities a prebuilt workspace has: the `prebuilds` system user
// with a random workspace name while it waits in the pool, and the user who
// claims it, with the name they asked for. The workspace id stays the same
// (coder/coder coderd/database/queries/prebuilds.sql, ClaimPrebuiltWorkspace:
// UPDATE workspaces SET owner_id, name … ; the id is kept), and so does the
// agent token (terraform-provider-coder provider/agent.go, agentAuthToken:
// CODER_RUNNING_WORKSPACE_AGENT_TOKEN_<sha256 of the agent id> on a claim).
import { LONGEST_OWNER, LONGEST_WORKSPACE, OWNER_ID, WORKSPACE_ID } from './longest-names.js';

/**
 * The system user that owns unclaimed prebuilds (coder/coder
 * coderd/database/migrations, the migration that inserts it:
 * id c42fdf75-…, username "prebuilds", name "Prebuilds Owner", email
 * "prebuilds@system").
 */
export const PREBUILDS_USER = { id: 'c42fdf75-3097-471c-8c33-fb52454d81c0', name: 'prebuilds', fullName: 'Prebuilds Owner', email: 'prebuilds@system' } as const;

/** One identity: the values of the owner- and name-dependent references. */
export type Identity = Readonly<Record<string, string>>;

/**
 * The prebuild: owned by `prebuilds`, a generated name, no external auth
 * (a system user links no GitHub account: the token is empty), and a session
 * token of the prebuilds user.
 */
export function prebuildIdentity(): Identity {
  return {
    'data.coder_workspace.me.id': WORKSPACE_ID,
    'data.coder_workspace.me.name': 'prebuild-quietly-brave-otter-42',
    'data.coder_workspace.me.is_prebuild': 'true',
    'data.coder_workspace_owner.me.id': PREBUILDS_USER.id,
    'data.coder_workspace_owner.me.name': PREBUILDS_USER.name,
    'data.coder_workspace_owner.me.full_name': PREBUILDS_USER.fullName,
    'data.coder_workspace_owner.me.email': PREBUILDS_USER.email,
    'data.coder_workspace_owner.me.session_token': 'prebuilds-session-token-0001',
    'data.coder_external_auth.github.access_token': '',
  };
}

/** The claim: a user with a 32-character name renames the workspace to a 32-character name. */
export function claimIdentity(githubToken = 'gho_claimingUsersToken0123456789'): Identity {
  if (LONGEST_OWNER.length !== 32 || LONGEST_WORKSPACE.length !== 32) throw new Error('the claiming names must be 32 characters');
  return {
    'data.coder_workspace.me.id': WORKSPACE_ID,
    'data.coder_workspace.me.name': LONGEST_WORKSPACE,
    'data.coder_workspace.me.is_prebuild': 'false',
    'data.coder_workspace_owner.me.id': OWNER_ID,
    'data.coder_workspace_owner.me.name': LONGEST_OWNER,
    'data.coder_workspace_owner.me.full_name': 'Claiming User With A Long Name',
    'data.coder_workspace_owner.me.email': `${LONGEST_OWNER.toLowerCase()}@a-rather-long-company-domain.example.com`,
    'data.coder_workspace_owner.me.session_token': 'claiming-user-session-token-0002',
    'data.coder_external_auth.github.access_token': githubToken,
  };
}
