import { TerraformLocal } from 'cdktf';
import type { Construct } from 'constructs';
import type { TemplateVariables } from './template-variables.js';

/** The pod RuntimeClass and the CLI's GPU availability that follow from the GPU variables. */
export interface GpuSettings {
  /** `local.runtime_class_name`: the pod's RuntimeClass ("" = none), a Terraform expression. */
  readonly runtimeClassName: string;
  /** `all` with GPUs, else `none`: `DEVCONTAINER_GPU_AVAILABILITY`, a Terraform expression. */
  readonly gpuAvailability: string;
}

/**
 * A pod has one RuntimeClass (`spec.runtimeClassName`, not per container):
 * `runtime_class_name` (e.g. sysbox, which also drops `privileged`) wins;
 * `gpu_runtime_class_name` applies only to GPU workspaces (`gpu_count` >= 1).
 * Terraform address (API): `local.runtime_class_name`.
 */
export function gpuSettings(scope: Construct, v: TemplateVariables): GpuSettings {
  const runtime = v.runtimeClassName.stringValue;
  const gpus = v.gpuCount.stringValue;
  const local = new TerraformLocal(scope, 'runtime_class_name', `\${${runtime} != "" ? ${runtime} : (${gpus} >= 1 ? ${v.gpuRuntimeClassName.stringValue} : "")}`);
  local.overrideLogicalId('runtime_class_name');
  return { runtimeClassName: local.asString, gpuAvailability: `\${${gpus} >= 1 ? "all" : "none"}` };
}
