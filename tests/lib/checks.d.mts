// Types for checks.mjs, so the vitest suite can import it under strict TypeScript.

/** What a check found: `pending` means poll again, `failed` means waiting will not help. */
export interface Verdict {
  readonly state: 'ok' | 'pending' | 'failed';
  readonly message: string;
}

/** One agent line of `coder logs`. */
export interface AgentLogLine {
  readonly time: string;
  readonly level: string;
  readonly agent: string;
  readonly source: string;
  readonly output: string;
}

export declare const DEV_CONTAINER_LOG_SOURCE: { readonly id: string; readonly displayName: string };
export declare const CONTAINERS: { readonly sidecar: string; readonly builder: string; readonly main: string };

export declare function findWorkspace(list: unknown, name: string): { workspace?: Record<string, unknown>; verdict?: Verdict };
export declare function agentsOf(workspace: unknown): Record<string, unknown>[];
export declare function checkBuild(list: unknown, name: string): Verdict;
export declare function workspaceId(list: unknown, name: string): Verdict;
export declare function checkAgent(list: unknown, name: string, agentName?: string): Verdict;
export declare function checkLogSource(list: unknown, name: string, agentName?: string): Verdict;
export declare function parseAgentLogs(text: string): AgentLogLine[];
export declare function checkBuilderLogs(text: string, options?: { agentName?: string; successPattern?: string }): Verdict;
export declare function checkApps(list: unknown, name: string, options?: { agentName?: string; required?: string[] }): Verdict;
export declare function checkPod(podList: unknown, options?: { namespace?: string; workspaceId?: string }): Verdict;
