import { describe, expect, it } from 'vitest';
import {
  dns1123Label,
  dns1123Subdomain,
  envVarName,
  formatViolations,
  labelValue,
  portName,
  qualifiedName,
  validateDeployment,
  validateTemplate,
} from '../support/k8s-validation.js';
import { longestNameValues } from '../support/longest-names.js';
import { synthTemplate } from '../support/synth.js';
import { evaluateLocal, terraformAvailable } from '../support/terraform-eval.js';

/** The template variables at their defaults, and the one dynamic condition at its widest (a registry secret). */
const TEMPLATE_VALUES = {
  'var.namespace': 'coder-workspace',
  'var.arch': 'amd64',
  'var.registry_auth_secret != "" ? [1] : []': '[1]',
};

describe('the Kubernetes validation stand-in', () => {
  it('applies the name rules of apimachinery validation.go', () => {
    expect(dns1123Label('dind-socket')).toEqual([]);
    expect(dns1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters (is 64)']);
    expect(dns1123Label('Dind')).toHaveLength(1);
    expect(dns1123Subdomain('coder-x.y')).toEqual([]);
    expect(dns1123Subdomain('a_b')).toHaveLength(1);
    expect(qualifiedName('app.kubernetes.io/instance')).toEqual([]);
    expect(qualifiedName('a/b/c')).toHaveLength(1);
    expect(qualifiedName(`x/${'n'.repeat(64)}`)).toEqual(['name part must be no more than 63 characters (is 64)']);
    expect(labelValue('')).toEqual([]);
    expect(labelValue('Owner-1_x.y')).toEqual([]);
    expect(labelValue('a'.repeat(64))).toEqual(['must be no more than 63 characters (is 64)']);
    expect(labelValue('-a')).toHaveLength(1);
    expect(portName('http')).toEqual([]);
    expect(portName('1234')).toEqual(['must contain at least one letter']);
    expect(portName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(envVarName('CODER_AGENT_URL')).toEqual([]);
    expect(envVarName('1X')).toHaveLength(1);
  });

  it('rejects what the API server rejects in a pod spec', () => {
    const deployment = {
      metadata: { name: 'Bad_Name', labels: { 'a/b/c': 'x' } },
      spec: {
        selector: { match_labels: { app: 'x' } },
        template: {
          metadata: { labels: { app: 'y' } },
          spec: {
            volume: [{ name: 'v', empty_dir: {} }],
            init_container: [{ name: 'init', startup_probe: { exec: {} } }],
            container: [{ name: 'main', restart_policy: 'Always', volume_mount: [{ name: 'v', mount_path: '/a' }, { name: 'w', mount_path: '/a' }] }],
          },
        },
      },
    };
    expect(formatViolations(validateDeployment(deployment, 'd'))).toEqual([
      'd.metadata.name: "Bad_Name" must be a DNS-1123 subdomain: lower-case letters, digits, "-" and "."',
      'd.metadata.labels[a/b/c]: "a/b/c" must be a name with at most one "/" (prefix/name)',
      'd.spec.selector.match_labels[app]: "x" `selector` does not match template `labels`',
      'd.spec.template.spec.init_container[0].startup_probe: "" startup_probe is allowed only on init containers with restartPolicy Always',
      'd.spec.template.spec.container[0].restart_policy: "Always" restartPolicy may be set only on init containers',
      'd.spec.template.spec.container[0].volume_mount[1].name: "w" must name a volume of the pod',
      'd.spec.template.spec.container[0].volume_mount[1].mount_path: "/a" must be unique within the container',
    ]);
  });
});

describe('issue 14.2: resource limits, extended resources (nvidia.com/gpu)', () => {
  const pod = (resources: object) => ({
    metadata: { name: 'd' },
    spec: { selector: { match_labels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { container: [{ name: 'main', resources }] } } },
  });
  const at = 'd.spec.template.spec.container[0].resources';

  it('rejects what the API server rejects for extended resources: fractions, requests without or unequal to limits', () => {
    expect(formatViolations(validateDeployment(pod({ limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } }), 'd'))).toEqual([]);
    expect(formatViolations(validateDeployment(pod({ limits: { 'nvidia.com/gpu': '500m' }, requests: { 'nvidia.com/gpu': '1' } }), 'd'))).toEqual([
      `${at}.limits[nvidia.com/gpu]: "500m" must be an integer`,
      `${at}.requests[nvidia.com/gpu]: "1" must be equal to nvidia.com/gpu limit of 500m`,
    ]);
    expect(formatViolations(validateDeployment(pod({ requests: { 'nvidia.com/gpu': '1', cpu: 'lots' } }), 'd'))).toEqual([
      `${at}.requests[nvidia.com/gpu]: "1" Limit must be set for non overcommitable resources`,
      `${at}.requests[cpu]: "lots" must be a non-negative quantity, e.g. 2, 500m or 4Gi`,
    ]);
  });

  it.runIf(terraformAvailable() || process.env.CI === 'true')('the DinD limits Terraform computes are valid with and without GPUs', async () => {
    const { json } = await synthTemplate();
    const d = json.resource.kubernetes_deployment_v1.main;
    const dind = d.spec.template.spec.init_container.find((c: { name: string }) => c.name === 'dind');
    const expression = String(dind.resources.limits);
    const limitsFor = (gpuCount: string) => JSON.parse(evaluateLocal({ locals: { limits: `\${jsonencode(${expression.slice(2, -1)})}` } }, 'limits', {
      'var.gpu_count': gpuCount, 'data.coder_parameter.cpu.value': '4', 'data.coder_parameter.memory.value': '8',
    })) as Record<string, string>;
    expect(limitsFor('0')).toEqual({ cpu: '4', memory: '8Gi' });
    const withGpus = limitsFor('2');
    expect(withGpus).toEqual({ cpu: '4', memory: '8Gi', 'nvidia.com/gpu': '2' });
    const resolved = structuredClone(json);
    resolved.resource.kubernetes_deployment_v1.main.spec.template.spec.init_container.find((c: { name: string }) => c.name === 'dind').resources.limits = withGpus;
    expect(formatViolations(validateTemplate(resolved, { ...longestNameValues(), ...TEMPLATE_VALUES }))).toEqual([]);
  });
});

describe('the synthesized template on a real API server', () => {
  it('issue 11.1: every object is valid for 32-character owner and workspace names', async () => {
    const { json } = await synthTemplate();
    expect(formatViolations(validateTemplate(json, { ...longestNameValues(), ...TEMPLATE_VALUES }))).toEqual([]);
  });

  it('issue 11.1: the selector, the pod template and the PVC names depend on no owner or workspace name', async () => {
    const { json } = await synthTemplate();
    const d = json.resource.kubernetes_deployment_v1.main;
    const nameDependent = /coder_workspace(_owner)?\.me\.(name|email|id)|coder_workspace_owner/;
    const podTemplate = { ...d.spec.template, selector: d.spec.selector };
    // The workspace id is the only workspace-dependent value the pod carries.
    const text = JSON.stringify(podTemplate).replaceAll('data.coder_workspace.me.id', 'WORKSPACE_ID');
    expect(text).not.toMatch(nameDependent);
    for (const claim of Object.values(json.resource.kubernetes_persistent_volume_claim_v1) as { metadata: { name: string } }[]) {
      expect(claim.metadata.name).toMatch(/^coder-\$\{data\.coder_workspace\.me\.id\}-[a-z-]+$/);
    }
    expect(d.metadata.name).toBe('coder-${data.coder_workspace.me.id}');
  });
});
