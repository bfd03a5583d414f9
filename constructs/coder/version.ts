import type { TerraformMetaArguments } from 'cdktf';

/**
 * The `coder/coder` provider release these bindings were written against.
 * Names, required-ness and block limits follow that release's schema
 * (`terraform-provider-coder` › `provider/*.go`), which the schema test checks.
 */
export const CODER_PROVIDER_VERSION = '2.17.0';

/** Generator metadata shared by every binding, as generated bindings carry it. */
export const coderGeneratorMetadata = {
  providerName: 'coder',
  providerVersion: CODER_PROVIDER_VERSION,
  providerVersionConstraint: CODER_PROVIDER_VERSION,
} as const;

/**
 * What every binding passes to its base class besides the type name: the
 * generator metadata and the meta-arguments (`count`, `depends_on`, …) of
 * its config.
 */
export function coderMetaArguments(config: TerraformMetaArguments) {
  return {
    terraformGeneratorMetadata: coderGeneratorMetadata,
    provider: config.provider,
    dependsOn: config.dependsOn,
    count: config.count,
    lifecycle: config.lifecycle,
    forEach: config.forEach,
  };
}
