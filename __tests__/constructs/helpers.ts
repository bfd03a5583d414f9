// Throw-away stacks for construct tests: build, synthesize, parse.
import { Testing, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Agent } from '../../constructs/coder/generated/agent/index.js';
import { DindSidecar, type DindSidecarProps } from '../../constructs/dind-sidecar.js';
import { WorkspacePvc, type WorkspacePvcProps } from '../../constructs/workspace-pvc.js';

/** A fresh stack in a test app. */
export function testStack(): TerraformStack {
  return new TerraformStack(Testing.app(), 'test');
}

/** Synthesizes a stack and parses its Terraform JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function synth(stack: TerraformStack): any {
  return JSON.parse(Testing.synth(stack));
}

/** Minimal valid WorkspacePvc props. */
export const pvcProps = (overrides: Partial<WorkspacePvcProps> = {}): WorkspacePvcProps => ({
  namespace: 'ns',
  claimName: 'claim',
  volumeName: 'workspaces',
  mountPath: '/workspaces',
  sizeGiB: 10,
  ...overrides,
});

/** A stack with the two claims, an agent and (optionally) a sidecar. */
export function podParts(sidecar: Partial<DindSidecarProps> = {}) {
  const stack = testStack();
  const workspaces = new WorkspacePvc(stack, 'workspaces', pvcProps());
  const dockerData = new WorkspacePvc(stack, 'docker_data', pvcProps({ claimName: 'docker', volumeName: 'docker-data', mountPath: '/var/lib/docker' }));
  const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
  agent.overrideLogicalId('main');
  const dind = new DindSidecar(stack, 'dind', { image: 'docker:28.5.1-dind', workspaces, dockerData, ...sidecar });
  return { stack, workspaces, dockerData, agent, dind };
}

/** A string variable, for props that are Terraform references in the template. */
export function variable(stack: TerraformStack, name: string): string {
  const v = new TerraformVariable(stack, name, { type: 'string', default: '' });
  v.overrideLogicalId(name);
  return v.stringValue;
}

let probes = 0;
/** Resolves tokens in a value the way synthesis does, via a throw-away output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function resolve(stack: TerraformStack, value: unknown): any {
  const id = `probe${probes++}`;
  new TerraformOutput(stack, id, { value });
  return synth(stack).output[id].value;
}
