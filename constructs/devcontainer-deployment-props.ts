import { Token } from 'cdktf';
import type { Agent } from './coder/generated/agent/index.js';
import type { MetadataItem } from './coder/generated/metadata/index.js';
import type { DindSidecar } from './dind-sidecar.js';
import type { BuilderSettings } from './builder-env.js';
import type { WorkspacePvc } from './workspace-pvc.js';

/** Properties of {@link DevcontainerDeployment}. */
export interface DevcontainerDeploymentProps extends BuilderSettings {
  /** Kubernetes namespace of the Deployment. */
  readonly namespace: string;
  /** Name of the Deployment object. */
  readonly deploymentName: string;
  /** `count` of the Deployment: Coder's `start_count` (0 when stopped). */
  readonly count: number;
  /** The builder image; its entrypoint is `tini -- devcontainer-builder`. */
  readonly builderImage: string;
  /** The Docker-in-Docker sidecar, rendered as the first init container. */
  readonly sidecar: DindSidecar;
  /** The workspaces claim, mounted at the same path as in the sidecar. */
  readonly workspaces: WorkspacePvc;
  /** The Coder agent whose token and init script the builder receives. */
  readonly agent: Agent;
  /** Labels of the Deployment object (Coder's standard set). */
  readonly labels: Record<string, string>;
  /**
   * Labels of the pods. Keep owner and workspace names out of them: a
   * prebuilt workspace's pod must stay unchanged when it is claimed and
   * renamed (only the Deployment's own metadata may change in place).
   * @default - {@link labels}
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Labels that select the pods; must be a subset of the pod labels and never
   * change. The soft anti-affinity repels other workspaces' pods, never the
   * pods these labels select (the workspace's own pod that is still
   * terminating on a restart holds the node its volumes are attached to).
   */
  readonly selectorLabels: Record<string, string>;
  /**
   * Annotations of the Deployment object.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Annotations of the pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Node labels the pod must be scheduled on, e.g. `kubernetes.io/arch`.
   * @default - any node
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * RuntimeClass of the pod. An empty string (also from a variable at plan time) means none.
   * @default - the cluster's default runtime
   * @see https://kubernetes.io/docs/concepts/containers/runtime-class/
   */
  readonly runtimeClassName?: string;
  /**
   * Seconds the pod gets to stop: the agent container stops the dev container in that time.
   * @default 60
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Extra facts shown on the Deployment in the Coder UI.
   * @default - none
   */
  readonly metadataItems?: MetadataItem[];
}

/** Props without a default, checked at run time too. */
export const REQUIRED_PROPS = [
  'namespace',
  'deploymentName',
  'count',
  'builderImage',
  'sidecar',
  'workspaces',
  'agent',
  'labels',
  'selectorLabels',
  'agentUrl',
  'repository',
  'branch',
  'cacheFrom',
  'rebuild',
  'githubTokenSecret',
] as const satisfies readonly (keyof DevcontainerDeploymentProps)[];

// The builder runs as root (it chowns the checkout for the dev container's
// user) but needs no privilege: Docker work happens in the sidecar.
export const BUILDER_SECURITY_CONTEXT = { privileged: false, allowPrivilegeEscalation: false, runAsUser: '0' };
// The builder only drives the CLI and `docker exec`; the dev container's
// load lands on the sidecar, which carries the workspace's CPU and memory.
export const BUILDER_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

/**
 * Other workspaces' pods (`app.kubernetes.io/name=coder-workspace`) but not
 * this Deployment's own: every other selector label must differ.
 */
export function antiAffinityExpressions(selectorLabels: Record<string, string>): { key: string; operator: string; values: string[] }[] {
  const own = Object.entries(selectorLabels).filter(([key]) => key !== WORKSPACE_NAME_LABEL);
  return [
    { key: WORKSPACE_NAME_LABEL, operator: 'In', values: ['coder-workspace'] },
    ...own.map(([key, value]) => ({ key, operator: 'NotIn', values: [value] })),
  ];
}
const WORKSPACE_NAME_LABEL = 'app.kubernetes.io/name';

export function validateDeploymentProps(props: DevcontainerDeploymentProps): void {
  const podLabels = props.podLabels ?? props.labels;
  for (const [key, value] of Object.entries(props.selectorLabels)) {
    const label = podLabels[key];
    // Two references to the same attribute are different tokens: compare literals only.
    const differs = !Token.isUnresolved(value) && !Token.isUnresolved(label) && label !== value;
    if (label === undefined || differs) {
      throw new Error(
        `DevcontainerDeployment: selectorLabels["${key}"] is "${value}" but the pod label "${key}" is "${label}"; the pod labels must contain every selector label.`,
      );
    }
  }
}
