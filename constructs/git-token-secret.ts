import { Construct } from 'constructs';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1/index.js';
import { requireProps } from './require-props.js';

/** Properties of {@link GitTokenSecret}. */
export interface GitTokenSecretProps {
  /** Kubernetes namespace of the Secret (the workspace's). */
  readonly namespace: string;
  /** Name of the Secret object; derive it from the workspace id only (a claim must not rename it). */
  readonly secretName: string;
  /** The owner's GitHub token (`data.coder_external_auth.<id>.access_token`); sensitive. */
  readonly token: string;
  /** `count`: the workspace's `start_count`, so the token is not kept while the workspace is stopped. */
  readonly count: number;
  /**
   * Labels of the Secret.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * The owner's GitHub token as a Kubernetes Secret that the builder reads
 * through `value_from.secret_key_ref`.
 *
 * Why not a literal env value: a prebuilt workspace is built for the
 * `prebuilds` system user, who has no external auth (empty token); the claim
 * re-applies the template with the new owner's token. As a literal in the
 * pod template that change would roll the Deployment out (a new pod: clone
 * and `devcontainer up` again). As a Secret key the pod template holds only
 * the Secret's name; the provider patches `data` in place
 * (hashicorp/terraform-provider-kubernetes kubernetes/resource_kubernetes_secret_v1.go,
 * resourceKubernetesSecretV1Update), and the next pod start reads the new
 * value. The token also stays out of the Deployment object.
 *
 * Terraform address (API): `kubernetes_secret_v1.<id>`.
 */
export class GitTokenSecret extends Construct {
  /** The key holding the token. */
  public static readonly tokenKey = 'GH_TOKEN';
  public readonly secret: SecretV1;
  /** The Secret's name, for `secret_key_ref`. */
  public readonly secretName: string;

  public constructor(scope: Construct, id: string, props: GitTokenSecretProps) {
    super(scope, id);
    requireProps('GitTokenSecret', props, ['namespace', 'secretName', 'token', 'count']);
    this.secretName = props.secretName;
    this.secret = new SecretV1(this, 'Resource', {
      count: props.count,
      metadata: { name: props.secretName, namespace: props.namespace, labels: props.labels },
      type: 'Opaque',
      data: { [GitTokenSecret.tokenKey]: props.token },
    });
    this.secret.overrideLogicalId(id);
  }

  /** The env var reference of the token. */
  public get keyRef(): { readonly name: string; readonly key: string } {
    return { name: this.secretName, key: GitTokenSecret.tokenKey };
  }
}
