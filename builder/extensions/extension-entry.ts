/**
 * One entry of `customizations.vscode.extensions`, classified.
 *
 * - `add`: `publisher.name`, optionally pinned as `publisher.name@1.2.3` or
 *   `publisher.name@prerelease`, or an absolute path to a `.vsix` file
 *   (code-server and VS Code both install those).
 * - `remove`: `-publisher.name`, the opt-out syntax of the Dev Containers
 *   extension (microsoft/vscode-remote-release#9177).
 * - `invalid`: anything else; reported, never installed.
 */
export type ExtensionEntry =
  | { readonly kind: 'add'; readonly key: string; readonly spec: string }
  | { readonly kind: 'remove'; readonly key: string }
  | { readonly kind: 'invalid'; readonly entry: string; readonly reason: string };

// publisher and name: a letter or digit, then letters, digits and dashes
// (the shape VS Code's devcontainer.json schema accepts).
const ID = /^([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$/i;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9a-z.-]+)?(?:\+[0-9a-z.-]+)?$/i;

/**
 * Classify one entry. `key` is what additions and removals are matched on:
 * the lower-cased `publisher.name` (extension ids are case-insensitive) or,
 * for a VSIX, the path itself.
 */
export function parseExtensionEntry(entry: unknown): ExtensionEntry {
  if (typeof entry !== 'string') {
    return { kind: 'invalid', entry: JSON.stringify(entry) ?? String(entry), reason: 'not a string' };
  }
  const text = entry.trim();
  if (text.startsWith('-')) {
    const id = text.slice(1);
    if (!ID.test(id)) return { kind: 'invalid', entry, reason: 'a removal must be "-publisher.name"' };
    return { kind: 'remove', key: id.toLowerCase() };
  }
  if (text.startsWith('/') && text.toLowerCase().endsWith('.vsix')) {
    return { kind: 'add', key: text, spec: text };
  }
  const at = text.indexOf('@');
  const id = at === -1 ? text : text.slice(0, at);
  const version = at === -1 ? undefined : text.slice(at + 1);
  if (!ID.test(id)) {
    return { kind: 'invalid', entry, reason: 'expected "publisher.name", "publisher.name@version" or "-publisher.name"' };
  }
  if (version !== undefined && version !== 'prerelease' && !SEMVER.test(version)) {
    return { kind: 'invalid', entry, reason: `"${version}" is neither a version (1.2.3) nor "prerelease"` };
  }
  return { kind: 'add', key: id.toLowerCase(), spec: text };
}

/** The `publisher.name` part of an install spec (`a.b@1.0.0` → `a.b`). */
export function extensionIdOf(spec: string): string {
  if (spec.startsWith('/')) return spec;
  const at = spec.indexOf('@');
  return at === -1 ? spec : spec.slice(0, at);
}
