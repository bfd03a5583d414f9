// A workspace with the longest names Coder accepts: usernames and workspace
// names are at most 32 characters of letters, digits and single hyphens
// (coder/coder codersdk/name.go, NameValid and UsernameValid).
/** A 32-character owner name (mixed case: Coder keeps the case). */
export const LONGEST_OWNER = 'Owner-with-the-longest-name-0032';
/** A 32-character workspace name. */
export const LONGEST_WORKSPACE = 'workspace-with-longest-name-0032';
export const WORKSPACE_ID = '0f1e2d3c-4b5a-4968-8776-655443322110';
export const OWNER_ID = '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d';

/** Terraform values of the workspace and owner data sources for those names. */
export function longestNameValues(): Record<string, string> {
  if (LONGEST_OWNER.length !== 32 || LONGEST_WORKSPACE.length !== 32) throw new Error('the longest names must be 32 characters');
  return {
    'data.coder_workspace.me.id': WORKSPACE_ID,
    'data.coder_workspace.me.name': LONGEST_WORKSPACE,
    'data.coder_workspace_owner.me.id': OWNER_ID,
    'data.coder_workspace_owner.me.name': LONGEST_OWNER,
    'data.coder_workspace_owner.me.email': `${LONGEST_OWNER.toLowerCase()}@a-rather-long-company-domain.example.com`,
  };
}
