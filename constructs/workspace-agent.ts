import { Lazy, TerraformLocal } from 'cdktf';
import type { Construct } from 'constructs';
import { Agent } from './coder/generated/agent/index.js';

/**
 * Where the builder records the dev container's name, image and build time
 * inside it (builder/steps/record-info.ts), one file each.
 */
export const DEVCONTAINER_INFO_DIR = '/usr/local/share/devcontainer-builder/info';
const DEVCONTAINER_INFO: ReadonlyArray<readonly [string, string]> = [
  ['name', 'Dev Container'],
  ['image', 'Image'],
  ['built', 'Built'],
];

/** Agent environment variable with the checkout folder; interactive shells start there. */
export const WORKSPACE_FOLDER_ENV = 'DEVCONTAINER_WORKSPACE_FOLDER';

/** Seconds Coder waits for the agent: a cold dev container build takes 5-10 minutes. */
export const AGENT_CONNECTION_TIMEOUT_SECONDS = 1800;

/** What {@link createAgent} needs. */
export interface WorkspaceAgentOptions {
  /** `coder_agent` arch, the same variable as the pod's node selector. */
  readonly arch: string;
  /** The checkout folder (a Terraform expression). */
  readonly workspaceFolder: string;
  /** The agent's environment; read when the stack is synthesized, so later additions land. */
  readonly env: () => Record<string, string>;
}

/**
 * `coder_agent.main`, the agent in the dev container. Nothing owner- or
 * workspace-name-dependent belongs in its `env`: owner settings travel as
 * `coder_env` (constructs/developer-modules.ts), which the agent fetches
 * again when it reinitializes after a prebuilt workspace is claimed.
 */
export function createAgent(scope: Construct, options: WorkspaceAgentOptions): Agent {
  const agent = new Agent(scope, 'agent', {
    // The pod's node selector uses the same variable: the agent binary
    // the init script downloads matches the node it runs on.
    arch: options.arch,
    os: 'linux',
    // No `dir`: deprecated in coder 2.17.0 (a warning on every plan); the
    // apps name the folder themselves and shells change into it
    // (StartDirectory).
    connectionTimeout: AGENT_CONNECTION_TIMEOUT_SECONDS,
    env: Lazy.anyValue({ produce: () => ({ ...options.env() }) }) as unknown as Record<string, string>,
    displayApps: { vscode: false, vscodeInsiders: false, webTerminal: true, sshHelper: true, portForwardingHelper: true },
    metadata: [
      { key: '0_cpu_usage', displayName: 'CPU Usage', script: 'coder stat cpu', interval: 10, timeout: 1 },
      { key: '1_ram_usage', displayName: 'RAM Usage', script: 'coder stat mem', interval: 10, timeout: 1 },
      // The dev container sees only its own checkout of the workspaces volume.
      { key: '2_workspaces_disk', displayName: '/workspaces Disk', script: `coder stat disk --path ${options.workspaceFolder}`, interval: 60, timeout: 1 },
      ...DEVCONTAINER_INFO.map(([file, displayName], i) => ({
        key: `${i + 3}_devcontainer_${file}`,
        displayName,
        script: `cat ${DEVCONTAINER_INFO_DIR}/${file} 2>/dev/null || echo unknown`,
        interval: 300,
        timeout: 1,
      })),
    ],
  });
  agent.overrideLogicalId('main');
  return agent;
}

/**
 * `local.coder_url` (the URL of Coder from inside the pod: `agent_url`, else
 * the access URL) and `local.agent_init_script`.
 *
 * The coder provider bakes `<scheme>://<host>/` of the access URL into
 * init_script at plan time (terraform-provider-coder provider/agent.go:
 * config.URL.Parse("/")), and Coder's bootstrap_linux.sh downloads
 * `${ACCESS_URL}bin/coder-linux-<arch>` and exports CODER_AGENT_URL from
 * it: setting CODER_AGENT_URL around the script changes nothing. With
 * agent_url, every occurrence is rewritten to it instead.
 */
export function agentLocals(scope: Construct, agent: Agent, agentUrl: string, accessUrl: string): { coderUrl: string; initScript: string } {
  const coderUrl = new TerraformLocal(scope, 'coder_url', `\${${agentUrl} != "" ? ${agentUrl} : ${accessUrl}}`);
  coderUrl.overrideLogicalId('coder_url');
  const agentInit = agent.initScript;
  const accessBase = `format("%s/", regex("^[^:/]+://[^/]+", ${accessUrl}))`;
  const agentBase = `format("%s/", trimsuffix(${agentUrl}, "/"))`;
  const initScript = new TerraformLocal(scope, 'agent_init_script', `\${${agentUrl} == "" ? ${agentInit} : replace(${agentInit}, ${accessBase}, ${agentBase})}`);
  initScript.overrideLogicalId('agent_init_script');
  return { coderUrl: coderUrl.asString, initScript: initScript.asString };
}
