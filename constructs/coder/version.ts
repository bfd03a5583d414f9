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
