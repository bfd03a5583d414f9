import { TerraformHclModule, type IResolvable } from 'cdktf';
import type { Construct } from 'constructs';

/** A pinned module from the Coder registry that targets an agent. */
export interface RegistryModuleSpec {
  /** Module source, e.g. `registry.coder.com/coder/coder-login/coder`. */
  readonly source: string;
  /** Exact module version: registry modules change behaviour between releases. */
  readonly version: string;
}

/** Where and how often a registry module is instantiated. */
export interface RegistryModuleOptions {
  /** `coder_agent.<name>.id` of the agent the module attaches to. */
  readonly agentId: string;
  /** Terraform `count` of the module block (a number or an expression). */
  readonly count: number | string | IResolvable;
  /**
   * Module inputs besides `agent_id`.
   * @default - none
   */
  readonly variables?: Record<string, unknown>;
}

/**
 * Adds `module "<name>"` for a pinned registry module. The Terraform name is
 * API (`module.<name>` addresses its resources), so it is set explicitly.
 */
export function addRegistryModule(scope: Construct, name: string, spec: RegistryModuleSpec, options: RegistryModuleOptions): TerraformHclModule {
  if (!/^\d+\.\d+\.\d+$/.test(spec.version)) {
    throw new Error(`Module "${name}": version "${spec.version}" is not an exact x.y.z release; pin one.`);
  }
  const module = new TerraformHclModule(scope, name, {
    source: spec.source,
    version: spec.version,
    variables: { agent_id: options.agentId, ...options.variables },
  });
  module.overrideLogicalId(name);
  // TerraformHclModule has no count argument; Terraform's module block does.
  module.addOverride('count', options.count);
  return module;
}
