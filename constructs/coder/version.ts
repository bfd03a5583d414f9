/**
 * The `coder/coder` provider release the template pins and the bindings in
 * `generated/` are generated for (`npm run bindings`, from the schema copy
 * `__tests__/fixtures/terraform-schemas/coder.json` of that release).
 */
export const CODER_PROVIDER_VERSION = '2.17.0';
