import { Construct } from 'constructs';
import type { IResolvable, TerraformHclModule } from 'cdktf';
import type { Agent } from './coder/agent.js';
import { addRegistryModule, type RegistryModuleSpec } from './registry-module.js';

/** The developer-experience modules of the template this one replaces, pinned. */
export const DEVELOPER_MODULES = {
  /** Logs the user into the `coder` CLI inside the workspace. */
  'coder-login': { source: 'registry.coder.com/coder/coder-login/coder', version: '1.0.31' },
  /** Signs git commits with the user's Coder SSH key (needs git >= 2.34, curl and jq in the image). */
  'git-commit-signing': { source: 'registry.coder.com/coder/git-commit-signing/coder', version: '1.0.31' },
} as const satisfies Record<string, RegistryModuleSpec>;

/** Properties of {@link DeveloperModules}. */
export interface DeveloperModulesProps {
  /** The agent in the dev container (`coder_agent.main`). */
  readonly agent: Agent;
  /** `count` of each module: the workspace's `start_count`, so they run only while it runs. */
  readonly count: number | string | IResolvable;
  /**
   * Add `coder-login`.
   * @default true
   * @see https://registry.coder.com/modules/coder/coder-login
   */
  readonly coderLogin?: boolean;
  /**
   * Add `git-commit-signing`.
   * @default true
   * @see https://registry.coder.com/modules/coder/git-commit-signing
   */
  readonly gitCommitSigning?: boolean;
}

/**
 * `coder-login` and `git-commit-signing` from the Coder registry, pinned,
 * targeting the dev container's agent. Module names are API: `module.coder-login`,
 * `module.git-commit-signing`.
 */
export class DeveloperModules extends Construct {
  /** The modules added, by Terraform name. */
  public readonly modules: Readonly<Record<string, TerraformHclModule>>;

  public constructor(scope: Construct, id: string, props: DeveloperModulesProps) {
    super(scope, id);
    const modules: Record<string, TerraformHclModule> = {};
    const wanted: (keyof typeof DEVELOPER_MODULES)[] = [];
    if (props.coderLogin ?? true) wanted.push('coder-login');
    if (props.gitCommitSigning ?? true) wanted.push('git-commit-signing');
    for (const name of wanted) {
      modules[name] = addRegistryModule(this, name, DEVELOPER_MODULES[name], { agentId: props.agent.id, count: props.count });
    }
    this.modules = modules;
  }
}
