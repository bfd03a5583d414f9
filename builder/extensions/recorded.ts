import type { IgnoredEntry, VscodeCustomizations } from './vscode-customizations.js';

/**
 * The recorded-path contract: after `devcontainer up` the builder writes the
 * resolved VS Code customizations into the dev container here, and the
 * template's start script (constructs/ide-extensions.ts) reads them. The
 * folder is owned by root and readable by every user; it lives in the
 * container's filesystem, so it is rewritten on every `up` and disappears
 * with the container, never going stale across rebuilds.
 */
export const RECORD_DIR = '/usr/local/share/devcontainer-builder/vscode';

/** The files in `RECORD_DIR`. */
export const RECORD_FILES = {
  /** The whole record as JSON (`ExtensionsRecord`). */
  record: 'extensions.json',
  /** One install spec per line: for scripts in images without `jq`. */
  extensionList: 'extensions.txt',
  /** The merged `customizations.vscode.settings`, a JSON object. */
  machineSettings: 'machine-settings.json',
} as const;

/** Absolute path of one recorded file. */
export function recordPath(file: keyof typeof RECORD_FILES): string {
  return `${RECORD_DIR}/${RECORD_FILES[file]}`;
}

/**
 * Where the code-server registry module installs code-server by default
 * (`install_prefix` of registry.coder.com/coder/code-server/coder 1.4.x);
 * the builder and the start script look for the binary at `<prefix>/bin/code-server`.
 */
export const CODE_SERVER_INSTALL_PREFIX = '/tmp/code-server';

/** The code-server module's default `log_path`; it is rewritten when the module starts code-server. */
export const CODE_SERVER_LOG_PATH = '/tmp/code-server.log';

/** The content of `extensions.json`. Bump `version` on any incompatible change. */
export interface ExtensionsRecord {
  readonly version: 1;
  readonly extensions: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly ignored: readonly IgnoredEntry[];
}

/** A file to write into the container. */
export interface RecordFile {
  readonly path: string;
  readonly content: string;
}

/** The three recorded files for a resolved configuration, in write order. */
export function renderRecordFiles(customizations: VscodeCustomizations): RecordFile[] {
  const record: ExtensionsRecord = {
    version: 1,
    extensions: customizations.extensions,
    settings: customizations.settings,
    ignored: customizations.ignored,
  };
  const list = customizations.extensions.map((spec) => `${spec}\n`).join('');
  return [
    { path: recordPath('machineSettings'), content: `${JSON.stringify(customizations.settings, null, 2)}\n` },
    { path: recordPath('extensionList'), content: list },
    // Written last: its presence means the other two are complete.
    { path: recordPath('record'), content: `${JSON.stringify(record, null, 2)}\n` },
  ];
}
