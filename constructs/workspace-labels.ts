import type { DataCoderWorkspaceOwner } from './coder/generated/data-coder-workspace-owner/index.js';
import type { DataCoderWorkspace } from './coder/generated/data-coder-workspace/index.js';

/** The labels and annotations of the workspace's Kubernetes objects. */
export interface WorkspaceLabels {
  /**
   * Labels of the pods, the PVCs and the Secret: the workspace id only.
   * Owner and workspace names are up to 32 characters each (too long
   * together for a 63-character label value), and the owner (name and id)
   * and the workspace name change when a prebuilt workspace is claimed
   * (coder/coder coderd/database/queries/prebuilds.sql,
   * ClaimPrebuiltWorkspace: the same workspace id, a new owner_id and name),
   * which must leave the pod and the volumes alone.
   */
  readonly podLabels: Record<string, string>;
  /**
   * Labels of the Deployment object: the pod labels plus the names, for
   * kubectl (a Coder name is a valid label value). A claim updates them in
   * place: object metadata, not the pod template.
   */
  readonly labels: Record<string, string>;
  /** Annotations of the Deployment object (the owner's email). */
  readonly annotations: Record<string, string>;
}

/** Coder's standard labels for the workspace's objects. */
export function workspaceLabels(ws: DataCoderWorkspace, owner: DataCoderWorkspaceOwner): WorkspaceLabels {
  const podLabels = {
    'app.kubernetes.io/name': 'coder-workspace',
    'app.kubernetes.io/instance': `coder-workspace-\${${ws.id}}`,
    'app.kubernetes.io/part-of': 'coder',
    'com.coder.resource': 'true',
    'com.coder.workspace.id': ws.id,
  };
  const labels = { ...podLabels, 'com.coder.workspace.name': ws.name, 'com.coder.user.id': owner.id, 'com.coder.user.username': owner.name };
  return { podLabels, labels, annotations: { 'com.coder.user.email': owner.email } };
}
