import { parseExtensionEntry } from './extension-entry.js';

/** An entry that was left out, with the reason, for the log. */
export interface IgnoredEntry {
  readonly entry: string;
  readonly reason: string;
}

/** What VS Code-based IDEs should get in the dev container. */
export interface VscodeCustomizations {
  /** Install specs in first-seen order, removals applied, one per extension. */
  readonly extensions: readonly string[];
  /** Settings merged over all sources, later sources winning per key. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Entries that could not be understood. */
  readonly ignored: readonly IgnoredEntry[];
}

/**
 * Resolve the extensions and settings from the merged configuration the
 * Dev Containers CLI prints (`read-configuration --include-merged-configuration`).
 *
 * There `customizations.vscode` is an array with one object per source, in
 * precedence order: the image's `devcontainer.metadata` label, then each
 * feature, then `devcontainer.json` (as recorded from CLI 0.89.0). A later
 * source overrides an earlier one, so entries are applied in that order:
 * `publisher.name` adds (a later pin replaces an earlier one), `-publisher.name`
 * removes what earlier entries added. This is the precedence the Dev Containers
 * extension documents: devcontainer.json over features over the base image
 * (microsoft/vscode-remote-release#9177).
 *
 * A plain object instead of an array (an unmerged configuration) is read as a
 * single source. Anything else is ignored: a configuration without VS Code
 * customizations simply yields nothing.
 */
export function resolveVscodeCustomizations(mergedConfiguration: unknown): VscodeCustomizations {
  const sources = vscodeSources(mergedConfiguration);
  const specs = new Map<string, string>();
  const settings: Record<string, unknown> = {};
  const ignored: IgnoredEntry[] = [];

  for (const source of sources) {
    const extensions = source.extensions;
    if (extensions !== undefined && !Array.isArray(extensions)) {
      ignored.push({ entry: JSON.stringify(extensions), reason: '"extensions" is not an array' });
    }
    for (const raw of Array.isArray(extensions) ? extensions : []) {
      const entry = parseExtensionEntry(raw);
      if (entry.kind === 'add') specs.set(entry.key, entry.spec);
      else if (entry.kind === 'remove') specs.delete(entry.key);
      else ignored.push({ entry: entry.entry, reason: entry.reason });
    }
    if (isObject(source.settings)) Object.assign(settings, source.settings);
  }
  return { extensions: [...specs.values()], settings, ignored };
}

function vscodeSources(mergedConfiguration: unknown): Record<string, unknown>[] {
  if (!isObject(mergedConfiguration)) return [];
  const customizations = mergedConfiguration.customizations;
  if (!isObject(customizations)) return [];
  const vscode = customizations.vscode;
  const list = Array.isArray(vscode) ? vscode : [vscode];
  return list.filter(isObject);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
