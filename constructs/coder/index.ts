// Re-exports only: one namespace per Terraform type, as generated bindings do.
export * as agent from './agent.js';
export * as app from './app.js';
export * as metadata from './metadata.js';
export * as script from './script.js';
export * as env from './env.js';
export * as aiTask from './ai-task.js';
export * as dataCoderWorkspace from './data-coder-workspace.js';
export * as dataCoderWorkspaceOwner from './data-coder-workspace-owner.js';
export * as dataCoderProvisioner from './data-coder-provisioner.js';
export * as dataCoderParameter from './data-coder-parameter.js';
export * as dataCoderExternalAuth from './data-coder-external-auth.js';
export * as dataCoderTask from './data-coder-task.js';
export * as provider from './provider.js';
export { CODER_PROVIDER_VERSION } from './version.js';
