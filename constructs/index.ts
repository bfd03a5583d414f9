// Re-exports only.
export * from './builder-env.js';
export * from './devcontainer-deployment.js';
export * from './dind-sidecar.js';
export * from './pod-spec.js';
export * from './template-stack.js';
export * from './template-variables.js';
export * from './workspace-parameters.js';
export * from './workspace-pvc.js';
export * as coder from './coder/index.js';
export * from './require-props.js';
