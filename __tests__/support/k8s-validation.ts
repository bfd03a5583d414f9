/**
 * The Kubernetes API server's validation of the fields the template sets, on
 * the objects it creates (a Deployment and PersistentVolumeClaims), so that a
 * template the API would reject fails here without a cluster. Each rule names
 * its source in kubernetes/kubernetes:
 *
 * - V = staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
 *   (IsQualifiedName, IsValidLabelValue, IsDNS1123Label, IsDNS1123Subdomain,
 *   IsValidPortName, IsEnvVarName);
 * - M = staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
 *   (ValidateLabels) and staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go
 *   (ValidateAnnotations: keys are qualified names, lower-cased; 256 KiB in total);
 * - C = pkg/apis/core/validation/validation.go (ValidatePodSpec: container,
 *   volume and port names, unique mount paths per container, probes and
 *   restartPolicy on init containers, node selector);
 * - A = pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec:
 *   the selector must match the template's labels; Deployment names are
 *   DNS-1123 subdomains).
 *
 * Input is the object in Terraform's snake_case shape (as the
 * kubernetes provider takes it) with every `${…}` already resolved.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/; // V: dns1123LabelFmt, at most 63
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/; // V: dns1123SubdomainFmt, at most 253
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/; // V: qualifiedNameFmt, at most 63
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/; // V: labelValueFmt, at most 63
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/; // V: envVarNameFmt
const TOTAL_ANNOTATION_BYTES = 256 * 1024; // M: TotalAnnotationSizeLimitB

/** V: IsDNS1123Label. */
export function dns1123Label(value: string): string[] {
  if (value.length > 63) return [`must be no more than 63 characters (is ${value.length})`];
  return DNS1123_LABEL.test(value) ? [] : ['must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit'];
}

/** V: IsDNS1123Subdomain. */
export function dns1123Subdomain(value: string): string[] {
  if (value.length > 253) return [`must be no more than 253 characters (is ${value.length})`];
  return DNS1123_SUBDOMAIN.test(value) ? [] : ['must be a DNS-1123 subdomain: lower-case letters, digits, "-" and "."'];
}

/** V: IsQualifiedName (label and annotation keys): `[prefix/]name`. */
export function qualifiedName(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) return ['must be a name with at most one "/" (prefix/name)'];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0] as string];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix === '') problems.push('prefix part must be non-empty');
    else problems.push(...dns1123Subdomain(prefix).map((p) => `prefix part ${p}`));
  }
  if (name === undefined || name === '') problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push(`name part must be no more than 63 characters (is ${name.length})`);
  else if (!QUALIFIED_NAME.test(name)) problems.push('name part must consist of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric');
  return problems;
}

/** V: IsValidLabelValue. */
export function labelValue(value: string): string[] {
  if (value.length > 63) return [`must be no more than 63 characters (is ${value.length})`];
  return LABEL_VALUE.test(value) ? [] : ['must be empty or alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric'];
}

/** V: IsValidPortName (IANA_SVC_NAME). */
export function portName(value: string): string[] {
  const problems: string[] = [];
  if (value.length < 1 || value.length > 15) problems.push('must be 1 to 15 characters');
  if (!/^[-a-z0-9]+$/.test(value)) problems.push('must contain only lower-case alphanumerics and "-"');
  if (!/[a-z]/.test(value)) problems.push('must contain at least one letter');
  if (value.includes('--')) problems.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-')) problems.push('must not begin or end with a hyphen');
  return problems;
}

/** V: IsEnvVarName. */
export function envVarName(value: string): string[] {
  return ENV_VAR_NAME.test(value) ? [] : ['must consist of letters, digits, "_", "-" or ".", and not start with a digit'];
}

/** One finding: the field path and what is wrong. */
export interface Violation {
  readonly path: string;
  readonly value: string;
  readonly problem: string;
}

class Checker {
  readonly violations: Violation[] = [];
  check(path: string, value: string, problems: string[]): void {
    for (const problem of problems) this.violations.push({ path, value, problem });
  }
  labels(path: string, labels: Json | undefined): void {
    for (const [key, value] of Object.entries(obj(labels))) {
      this.check(`${path}[${key}]`, key, qualifiedName(key)); // M: ValidateLabels, key
      this.check(`${path}[${key}]`, String(value), labelValue(String(value))); // M: ValidateLabels, value
    }
  }
  annotations(path: string, annotations: Json | undefined): void {
    let total = 0;
    for (const [key, value] of Object.entries(obj(annotations))) {
      // M: ValidateAnnotations checks the lower-cased key.
      this.check(`${path}[${key}]`, key, qualifiedName(key.toLowerCase()));
      total += key.length + String(value).length;
    }
    if (total > TOTAL_ANNOTATION_BYTES) this.check(path, `${total} bytes`, [`annotations may be at most ${TOTAL_ANNOTATION_BYTES} bytes in total`]);
  }
  metadata(path: string, metadata: Json | undefined, nameRule: ((v: string) => string[]) | undefined): void {
    const m = obj(one(metadata));
    if (nameRule !== undefined) this.check(`${path}.name`, String(m['name'] ?? ''), nameRule(String(m['name'] ?? '')));
    if (m['namespace'] !== undefined) this.check(`${path}.namespace`, String(m['namespace']), dns1123Label(String(m['namespace'])));
    this.labels(`${path}.labels`, m['labels']);
    this.annotations(`${path}.annotations`, m['annotations']);
  }
}

/** C: ValidatePodSpec, for the fields the template sets. */
function checkPodSpec(c: Checker, path: string, spec: Obj): void {
  const volumes = many(spec['volume']);
  const volumeNames = new Set<string>();
  volumes.forEach((v, i) => {
    const name = String(v['name'] ?? '');
    c.check(`${path}.volume[${i}].name`, name, dns1123Label(name)); // C: validateVolumes
    if (volumeNames.has(name)) c.check(`${path}.volume[${i}].name`, name, ['volume names must be unique']);
    volumeNames.add(name);
    const claim = one(v['persistent_volume_claim']);
    if (claim !== undefined) {
      const claimName = String(obj(claim)['claim_name'] ?? '');
      c.check(`${path}.volume[${i}].persistent_volume_claim.claim_name`, claimName, dns1123Subdomain(claimName)); // C: validatePersistentClaimVolumeSource
    }
  });
  const containerNames = new Set<string>();
  const containers: [string, Obj, 'init' | 'main'][] = [
    ...many(spec['init_container']).map((x, i): [string, Obj, 'init'] => [`${path}.init_container[${i}]`, x, 'init']),
    ...many(spec['container']).map((x, i): [string, Obj, 'main'] => [`${path}.container[${i}]`, x, 'main']),
  ];
  if (!containers.some(([, , kind]) => kind === 'main')) c.check(`${path}.container`, '', ['a pod needs at least one container']);
  for (const [at, container, kind] of containers) {
    const name = String(container['name'] ?? '');
    c.check(`${at}.name`, name, dns1123Label(name)); // C: validateContainerCommon
    if (containerNames.has(name)) c.check(`${at}.name`, name, ['container names must be unique across init and regular containers']);
    containerNames.add(name);
    const restartPolicy = container['restart_policy'];
    if (kind === 'main' && restartPolicy !== undefined && restartPolicy !== null) {
      c.check(`${at}.restart_policy`, String(restartPolicy), ['restartPolicy may be set only on init containers']); // C: validateContainers
    }
    if (kind === 'init' && restartPolicy !== undefined && restartPolicy !== null && restartPolicy !== 'Always') {
      c.check(`${at}.restart_policy`, String(restartPolicy), ['an init container\'s restartPolicy may only be "Always"']); // C: validateInitContainerRestartPolicy
    }
    if (kind === 'init' && restartPolicy !== 'Always') {
      // C: validateInitContainers: probes and lifecycle only on restartable init containers.
      for (const field of ['startup_probe', 'liveness_probe', 'readiness_probe', 'lifecycle']) {
        if (container[field] !== undefined) c.check(`${at}.${field}`, '', [`${field} is allowed only on init containers with restartPolicy Always`]);
      }
    }
    many(container['port']).forEach((p, i) => {
      if (p['name'] !== undefined) c.check(`${at}.port[${i}].name`, String(p['name']), portName(String(p['name']))); // C: validateContainerPorts
    });
    many(container['env']).forEach((e, i) => c.check(`${at}.env[${i}].name`, String(e['name'] ?? ''), envVarName(String(e['name'] ?? '')))); // C: ValidateEnv
    checkResources(c, `${at}.resources`, obj(one(container['resources'])));
    const mountPaths = new Set<string>();
    many(container['volume_mount']).forEach((m, i) => {
      const mountName = String(m['name'] ?? '');
      const mountPath = String(m['mount_path'] ?? '');
      // C: ValidateVolumeMounts: a declared volume, a non-empty path, unique per container.
      if (!volumeNames.has(mountName)) c.check(`${at}.volume_mount[${i}].name`, mountName, ['must name a volume of the pod']);
      if (mountPath === '') c.check(`${at}.volume_mount[${i}].mount_path`, mountPath, ['must not be empty']);
      if (mountPaths.has(mountPath)) c.check(`${at}.volume_mount[${i}].mount_path`, mountPath, ['must be unique within the container']);
      mountPaths.add(mountPath);
    });
  }
  c.labels(`${path}.node_selector`, spec['node_selector']); // C: ValidateNodeSelector uses the label rules
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/; // resource.Quantity, the plain forms

/**
 * C: ValidateResourceRequirements, validateContainerResourceName and
 * ValidateResourceQuantityValue; pkg/apis/core/helper/helpers.go
 * IsExtendedResourceName (a name with a domain outside kubernetes.io and no
 * `requests.` prefix). An extended resource (e.g. `nvidia.com/gpu`) is a
 * whole number, cannot be overcommitted: a request needs a limit and must
 * equal it. Maps that are still expressions (resolved only at plan time)
 * are skipped.
 */
function checkResources(c: Checker, path: string, resources: Obj): void {
  const map = (v: Json | undefined): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
  const limits = map(resources['limits']);
  const requests = map(resources['requests']);
  const extended = (name: string) => name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.');
  for (const [kind, values] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, raw] of Object.entries(values ?? {})) {
      const value = String(raw);
      const at = `${path}.${kind}[${name}]`;
      if (name.includes('/')) c.check(at, name, qualifiedName(name));
      if (!QUANTITY.test(value)) c.check(at, value, ['must be a non-negative quantity, e.g. 2, 500m or 4Gi']);
      else if (extended(name) && !/^[0-9]+$/.test(value)) c.check(at, value, ['must be an integer']);
      if (kind === 'requests' && extended(name)) {
        if (limits?.[name] === undefined) c.check(at, value, ['Limit must be set for non overcommitable resources']);
        else if (String(limits[name]) !== value) c.check(at, value, [`must be equal to ${name} limit of ${String(limits[name])}`]);
      }
    }
  }
}

/** Checks a resolved `kubernetes_deployment_v1` body. */
export function validateDeployment(body: unknown, path = 'kubernetes_deployment_v1'): Violation[] {
  const c = new Checker();
  const d = obj(body);
  c.metadata(`${path}.metadata`, d['metadata'], dns1123Subdomain); // A: ValidateDeploymentName
  const spec = obj(one(d['spec']));
  const template = obj(one(spec['template']));
  const templateMeta = obj(one(template['metadata']));
  c.metadata(`${path}.spec.template.metadata`, template['metadata'], undefined);
  const selector = obj(obj(one(spec['selector']))['match_labels']);
  c.labels(`${path}.spec.selector.match_labels`, selector);
  if (Object.keys(selector).length === 0) c.check(`${path}.spec.selector`, '', ['a Deployment needs a non-empty selector']); // A: ValidateDeploymentSpec
  const podLabels = obj(templateMeta['labels']);
  for (const [key, value] of Object.entries(selector)) {
    if (podLabels[key] !== value) c.check(`${path}.spec.selector.match_labels[${key}]`, String(value), ['`selector` does not match template `labels`']); // A
  }
  checkPodSpec(c, `${path}.spec.template.spec`, obj(one(template['spec'])));
  return c.violations;
}

/** Checks a resolved `kubernetes_persistent_volume_claim_v1` body. */
export function validatePersistentVolumeClaim(body: unknown, path = 'kubernetes_persistent_volume_claim_v1'): Violation[] {
  const c = new Checker();
  c.metadata(`${path}.metadata`, obj(body)['metadata'], dns1123Subdomain); // C: ValidatePersistentVolumeClaimName
  return c.violations;
}

function obj(value: Json | unknown | undefined): Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}
function one(value: Json | undefined): Json | undefined {
  return Array.isArray(value) ? value[0] : value;
}
function many(value: Json | undefined): Obj[] {
  if (Array.isArray(value)) return value as Obj[];
  return value !== null && typeof value === 'object' ? [value as Obj] : [];
}

/**
 * Resolves the `${…}` references of a Terraform JSON body from `values`
 * (expression text → value); `lower(<expr>)` is applied as Terraform does.
 * An expression without a value stays as written, so a label or name that
 * depends on it fails validation instead of passing with a guess. `dynamic`
 * blocks are expanded when their `for_each` resolves to a JSON list.
 */
export function resolveTerraform(body: unknown, values: Readonly<Record<string, string>>): unknown {
  const expression = (expr: string): string | undefined => {
    if (values[expr] !== undefined) return values[expr];
    const lower = /^lower\((.+)\)$/.exec(expr);
    if (lower) return expression((lower[1] as string).trim())?.toLowerCase();
    return undefined;
  };
  const text = (s: string): string =>
    s.replace(/\$\{((?:[^{}]|\{[^{}]*\})*)\}/g, (whole, expr: string) => expression(expr.trim()) ?? whole);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'dynamic') out[k] = walk(x);
    const dynamic = (v as Record<string, unknown>)['dynamic'];
    for (const [type, specs] of Object.entries(obj(dynamic as Json))) {
      for (const spec of many(specs)) {
        let items: unknown;
        try {
          items = JSON.parse(text(String(spec['for_each'] ?? '')));
        } catch {
          items = undefined;
        }
        if (!Array.isArray(items)) {
          out[`dynamic.${type}`] = text(String(spec['for_each']));
          continue;
        }
        const existing = out[type] === undefined ? [] : Array.isArray(out[type]) ? (out[type] as unknown[]) : [out[type]];
        out[type] = [...existing, ...items.map(() => walk(spec['content']))];
      }
    }
    return out;
  };
  return walk(body);
}

/**
 * Every Deployment and PVC of a synthesized template, resolved from `values`
 * and checked; PVC names referenced by the pod's volumes resolve to the
 * claims' own resolved names.
 */
export function validateTemplate(template: unknown, values: Readonly<Record<string, string>>): Violation[] {
  const resources = obj(obj(template as Json)['resource']);
  const claims = obj(resources['kubernetes_persistent_volume_claim_v1']);
  const withClaims: Record<string, string> = { ...values };
  const violations: Violation[] = [];
  for (const [name, body] of Object.entries(claims)) {
    const resolved = resolveTerraform(body, values);
    const claimName = String(obj(one(obj(resolved as Json)['metadata'] as Json))['name'] ?? '');
    withClaims[`kubernetes_persistent_volume_claim_v1.${name}.metadata[0].name`] = claimName;
    violations.push(...validatePersistentVolumeClaim(resolved, `kubernetes_persistent_volume_claim_v1.${name}`));
  }
  for (const [name, body] of Object.entries(obj(resources['kubernetes_deployment_v1']))) {
    violations.push(...validateDeployment(resolveTerraform(body, withClaims), `kubernetes_deployment_v1.${name}`));
  }
  return violations;
}

/** Violations as one readable line each. */
export function formatViolations(violations: readonly Violation[]): string[] {
  return violations.map((v) => `${v.path}: ${JSON.stringify(v.value)} ${v.problem}`);
}
