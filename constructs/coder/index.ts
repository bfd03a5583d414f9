// The generated coder/coder bindings (one namespace per Terraform type, as
// `cdktf get` emits them) and the pinned provider version.
export * from './generated/index.js';
export { CODER_PROVIDER_VERSION } from './version.js';
