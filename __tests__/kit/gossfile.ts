// Enough of goss to check tests/goss.yaml here, where goss itself cannot be
// installed (no Debian package, no npm package): the gossfile's documented
// structure (goss-org/goss docs/gossfile.md: resource types, `command`
// attributes, matcher names), its templates limited to the environment, the
// gjson paths the file uses, and the matchers it uses, evaluated the way the
// documentation describes. Anything outside that subset is reported, never
// passed silently, so the file cannot drift into syntax this check ignores.

/** Resource types a gossfile may hold (docs/gossfile.md, "Available tests"). */
export const RESOURCE_TYPES = new Set([
  'addr', 'command', 'dns', 'file', 'gossfile', 'group', 'http', 'interface',
  'kernel-param', 'matching', 'mount', 'package', 'port', 'process', 'service', 'user',
]);

/** Attributes of a `command` test; `exit-status` is required. */
const COMMAND_ATTRIBUTES = new Set(['exec', 'exit-status', 'stdout', 'stderr', 'timeout', 'skip', 'title', 'meta']);

/** Advanced matcher names (docs/gossfile.md, "Advanced Matchers"). */
export const MATCHERS = new Set([
  'equal', 'have-prefix', 'have-suffix', 'match-regexp', 'contain-substring', 'gt', 'ge', 'lt', 'le',
  'contain-element', 'contain-elements', 'consist-of', 'have-len', 'have-key', 'not', 'and', 'or',
  'semver-constraint', 'gjson', 'have-patterns',
]);

/** Renders `{{ .Env.NAME }}` and `{{ getEnv "NAME" "default" }}`; any other template action is an error. */
export function renderTemplate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (action: string, body: string) => {
    let m = /^\.Env\.(\w+)$/.exec(body);
    if (m) return env[m[1]] ?? '<no value>';
    m = /^getEnv\s+"(\w+)"(?:\s+"([^"]*)")?$/.exec(body);
    if (m) return env[m[1]] || (m[2] ?? '');
    throw new Error(`template action ${action} is outside what this check renders (.Env.X, getEnv "X" "default")`);
  });
}

/** Problems with a matcher value at `where`; an empty list means it is well-formed. */
export function matcherProblems(value: unknown, where: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => matcherProblems(v, `${where}[${i}]`));
  const entries = Object.entries(value);
  if (entries.length !== 1) return [`${where}: a matcher object has exactly one key, got ${entries.map(([k]) => k).join(', ') || 'none'}`];
  const [[name, arg]] = entries;
  if (!MATCHERS.has(name)) return [`${where}: unknown matcher "${name}"`];
  if (name === 'gjson') {
    if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) return [`${where}.gjson: expects a map of path to matcher`];
    return Object.entries(arg).flatMap(([p, m]) => [
      ...gjsonPathProblems(p).map((e) => `${where}.gjson[${p}]: ${e}`),
      ...matcherProblems(m, `${where}.gjson[${p}]`),
    ]);
  }
  if ((name === 'and' || name === 'or') && !Array.isArray(arg)) return [`${where}.${name}: expects a list of matchers`];
  return matcherProblems(arg, `${where}.${name}`);
}

/** Every structural problem of a parsed gossfile. */
export function gossfileProblems(doc: unknown): string[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return ['a gossfile is a map of resource type to tests'];
  return Object.entries(doc).flatMap(([type, tests]) => {
    if (!RESOURCE_TYPES.has(type)) return [`unknown resource type "${type}"`];
    if (tests === null || typeof tests !== 'object' || Array.isArray(tests)) return [`${type}: expects a map of test name to attributes`];
    return Object.entries(tests).flatMap(([id, attrs]) => {
      const where = `${type}.${id}`;
      if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return [`${where}: expects a map of attributes`];
      if (type !== 'command') return [];
      const a = attrs as Record<string, unknown>;
      const unknown = Object.keys(a).filter((k) => !COMMAND_ATTRIBUTES.has(k)).map((k) => `${where}: unknown attribute "${k}"`);
      const required = Number.isInteger(a['exit-status']) ? [] : [`${where}: exit-status (an integer) is required`];
      const timeout = a.timeout === undefined || Number.isInteger(a.timeout) ? [] : [`${where}: timeout is in milliseconds, an integer`];
      return [...unknown, ...required, ...timeout, ...matcherProblems(a.stdout, `${where}.stdout`), ...matcherProblems(a.stderr, `${where}.stderr`)];
    });
  });
}

// Splits on `sep` outside parentheses and double quotes.
function splitTop(path: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0, quoted = false, current = '';
  for (const ch of path) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (ch === sep && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const QUERY = /^#\((\w+)=="([^"]*)"\)$/;

/** Problems of a gjson path against the subset this check evaluates. */
export function gjsonPathProblems(path: string): string[] {
  return splitTop(path, '|').flatMap((segment) => splitTop(segment, '.')).flatMap((part) => {
    if (part === '') return [`empty component in "${path}"`];
    if (part === '#' || part === '@flatten' || /^\d+$/.test(part) || QUERY.test(part) || /^[A-Za-z_][\w-]*$/.test(part)) return [];
    return [`component "${part}" is outside the supported gjson subset (key, index, #, #(key=="value"), @flatten)`];
  });
}

function getParts(value: unknown, parts: string[]): unknown {
  let cur = value;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (cur === undefined || cur === null) return undefined;
    if (part === '#') {
      if (!Array.isArray(cur)) return undefined;
      const rest = parts.slice(i + 1);
      return rest.length === 0 ? cur.length : cur.map((el) => getParts(el, rest)).filter((v) => v !== undefined);
    }
    const query = QUERY.exec(part);
    if (query) {
      cur = Array.isArray(cur) ? cur.find((el) => (el as Record<string, unknown>)?.[query[1]] === query[2]) : undefined;
    } else if (part === '@flatten') {
      cur = Array.isArray(cur) ? cur.flat(1) : cur;
    } else if (Array.isArray(cur)) {
      cur = /^\d+$/.test(part) ? cur[Number(part)] : undefined;
    } else {
      cur = typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    }
  }
  return cur;
}

/** gjson's `Get` for the supported subset; `|` applies the rest of the path to the result so far. */
export function gjsonGet(value: unknown, path: string): unknown {
  return splitTop(path, '|').reduce<unknown>((cur, segment) => getParts(cur, splitTop(segment, '.')), value);
}

/** Whether `actual` passes goss matcher `expected` (the subset gossfileProblems accepts). */
export function matches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((e) => actual.some((a) => matches(a, e)));
  if (expected !== null && typeof expected === 'object') {
    const [[name, arg]] = Object.entries(expected);
    switch (name) {
      case 'and': return (arg as unknown[]).every((m) => matches(actual, m));
      case 'or': return (arg as unknown[]).some((m) => matches(actual, m));
      case 'not': return !matches(actual, arg);
      case 'equal': return JSON.stringify(actual) === JSON.stringify(arg);
      case 'contain-element': return Array.isArray(actual) && actual.some((a) => matches(a, arg));
      case 'contain-substring': return String(actual).includes(String(arg));
      case 'have-prefix': return String(actual).startsWith(String(arg));
      case 'match-regexp': return new RegExp(String(arg)).test(String(actual));
      case 'have-len': return (Array.isArray(actual) || typeof actual === 'string') && actual.length === arg;
      case 'gt': return Number(actual) > Number(arg);
      case 'lt': return Number(actual) < Number(arg);
      case 'gjson': {
        let doc: unknown;
        try { doc = JSON.parse(String(actual)); } catch { return false; }
        return Object.entries(arg as Record<string, unknown>).every(([p, m]) => {
          const got = gjsonGet(doc, p);
          return got !== undefined && matches(got, m);
        });
      }
      default: throw new Error(`matcher "${name}" is not evaluated by this check`);
    }
  }
  if (typeof expected === 'number') return Number(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected;
  return String(actual) === String(expected);
}

/** goss's io.Reader patterns: "text", "!text", "/regex/", "!/regex/" against the lines of `output`. */
export function patternsMatch(output: string, patterns: string[]): string[] {
  const lines = output.split('\n');
  return patterns.filter((pattern) => {
    const negate = pattern.startsWith('!');
    const body = negate ? pattern.slice(1) : pattern;
    const regex = /^\/(.*)\/$/.exec(body);
    const hit = lines.some((line) => (regex ? new RegExp(regex[1]).test(line) : line.includes(body)));
    return negate ? hit : !hit;
  });
}

/** Failed expectations of one `command` test, given what its exec printed and its exit status. */
export function commandFailures(attrs: Record<string, unknown>, stdout: string, exitStatus: number): string[] {
  const failures: string[] = [];
  if (attrs['exit-status'] !== exitStatus) failures.push(`exit-status ${exitStatus}, expected ${String(attrs['exit-status'])}`);
  const spec = attrs.stdout;
  if (Array.isArray(spec) && spec.every((p) => typeof p === 'string')) {
    failures.push(...patternsMatch(stdout, spec).map((p) => `stdout pattern ${p} not satisfied`));
  } else if (spec !== null && typeof spec === 'object' && 'gjson' in spec) {
    for (const [p, m] of Object.entries((spec as { gjson: Record<string, unknown> }).gjson)) {
      if (!matches(stdout, { gjson: { [p]: m } })) failures.push(`gjson ${p}: got ${JSON.stringify(gjsonGet(safeParse(stdout), p))}`);
    }
  } else if (spec !== undefined && !matches(stdout, spec)) {
    failures.push('stdout did not match');
  }
  return failures;
}

function safeParse(text: string): unknown {
  try { return JSON.parse(text); } catch { return undefined; }
}
