// The two identities a prebuilt workspace has: the `prebuilds` system user
// with a random workspace name while it waits in the pool, and the user who
// claims it, with the name they asked for. The workspace id stays the same
// (coder/coder coderd/database/queries/prebuilds.sql, ClaimPrebuiltWorkspace:
// UPDATE workspaces SET owner_id, name … ; the id is kept), and so does the
// agent token (terraform-provider-coder provider/agent.go, agentAuthToken:
// CODER_RUNNING_WORKSPACE_AGENT_TOKEN_<sha256 of the agent id> on a claim).
import { interpolate } from './pod-runner.js';
import { LONGEST_OWNER, LONGEST_WORKSPACE, OWNER_ID, WORKSPACE_ID } from './longest-names.js';

/**
 * The system user that owns unclaimed prebuilds (coder/coder
 * coderd/database/migrations, the migration that inserts it:
 * id c42fdf75-…, username "prebuilds", name "Prebuilds Owner", email
 * "prebuilds@system").
 */
export const PREBUILDS_USER = { id: 'c42fdf75-3097-471c-8c33-fb52454d81c0', name: 'prebuilds', fullName: 'Prebuilds Owner', email: 'prebuilds@system' } as const;

/**
 * The references only Kubernetes reads (the pod runner ignores resources and
 * runtime classes), at the template's defaults without GPUs (issue 14.2):
 * the comparison of a prebuild with its claim resolves them too.
 */
export const NO_GPU_VALUES: Readonly<Record<string, string>> = {
  'var.gpu_count >= 1 ? "all" : "none"': 'none',
  'local.runtime_class_name != "" ? local.runtime_class_name : null': '',
  'merge({"cpu" = data.coder_parameter.cpu.value, "memory" = "${data.coder_parameter.memory.value}Gi"}, (var.gpu_count >= 1) ? {"nvidia.com/gpu" = tostring(var.gpu_count)} : {})': '{"cpu":"2","memory":"4Gi"}',
};

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

/** Resolves every `${…}` of a JSON value (cdktf's `//` metadata left out); an unmapped reference throws, naming it. */
export function resolveStrict(value: unknown, values: Readonly<Record<string, string>>, where: string): unknown {
  if (typeof value === 'string') return interpolate(value, values, where);
  if (Array.isArray(value)) return value.map((v, i) => resolveStrict(v, values, `${where}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, resolveStrict(v, values, `${where}.${k}`)]));
}

/**
 * What Kubernetes compares when Terraform applies the template again: the
 * Deployment's name, selector and pod template (a changed template is a
 * rollout: a new pod), and the claims (a new name is a new, empty volume).
 */
export function claimSensitiveParts(template: unknown, values: Readonly<Record<string, string>>) {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const resource = (template as any).resource;
  const deployment = resource.kubernetes_deployment_v1.main;
  const pvcs = resolveStrict(resource.kubernetes_persistent_volume_claim_v1, values, 'kubernetes_persistent_volume_claim_v1') as Record<string, any>;
  // The pod names its claims through their resources, as Terraform resolves them.
  const withClaims = { ...Object.fromEntries(Object.entries(pvcs).map(([id, c]) => [`kubernetes_persistent_volume_claim_v1.${id}.metadata[0].name`, c.metadata.name])), ...values };
  return {
    deploymentName: resolveStrict(deployment.metadata.name, values, 'metadata.name'),
    selector: resolveStrict(deployment.spec.selector, withClaims, 'spec.selector'),
    template: resolveStrict(deployment.spec.template, withClaims, 'spec.template'),
    pvcs,
    secretNames: Object.values(resource.kubernetes_secret_v1 ?? {}).map((s: any) => resolveStrict(s.metadata.name, values, 'kubernetes_secret_v1.metadata.name')),
  };
}

/** `data.coder_parameter.<id>.value` at each parameter's default: what the default preset sets. */
export function parameterDefaults(template: unknown): Record<string, string> {
  const parameters = ((template as { data?: { coder_parameter?: Record<string, { default?: string }> } }).data?.coder_parameter ?? {});
  return Object.fromEntries(Object.entries(parameters).map(([id, p]) => [`data.coder_parameter.${id}.value`, String(p.default)]));
}
