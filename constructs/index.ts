// Re-exports only.
export * from './ai-agent.js';
export * from './builder-env.js';
export * from './developer-modules.js';
export * from './devcontainer-deployment.js';
export * from './dind-sidecar.js';
export * from './ide-extensions.js';
export * from './pod-spec.js';
export * from './registry-module.js';
export * from './template-stack.js';
export * from './template-variables.js';
export * from './workspace-parameters.js';
export * from './workspace-pvc.js';
export * as coder from './coder/index.js';
export * from './require-props.js';
