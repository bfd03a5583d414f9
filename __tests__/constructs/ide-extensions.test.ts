import { describe, expect, it } from 'vitest';
import { RECORD_DIR } from '../../builder/extensions/recorded.js';
import { Agent } from '../../constructs/coder/generated/agent/index.js';
import { IdeExtensions, escapeTerraformTemplate, type IdeExtensionsProps } from '../../constructs/ide-extensions.js';
import { renderIdeExtensionsScript } from '../../constructs/ide-extensions-script.js';
import { checkTerraformJson, loadSchemas, providerSchemaDir } from '../support/terraform-schema.js';
import { synth, testStack } from './helpers.js';

const SCHEMA_DIR = providerSchemaDir();

function build(props: Partial<IdeExtensionsProps> = {}) {
  const stack = testStack();
  const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
  agent.overrideLogicalId('main');
  const ide = new IdeExtensions(stack, 'ide', { agent, ...props });
  return { stack, ide, json: synth(stack) };
}
const unescape = (s: string) => s.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');

describe('IdeExtensions', () => {
  it('adds coder_script.devcontainer_extensions on coder_agent.main, run on start, never blocking login', () => {
    const script = build().json.resource.coder_script.devcontainer_extensions;
    expect(script).toMatchObject({
      agent_id: '${coder_agent.main.id}',
      display_name: 'Dev container extensions',
      icon: '/icon/code.svg',
      run_on_start: true,
      start_blocks_login: false,
    });
  });

  it('ships the rendered script with the defaults, escaped for Terraform templates', () => {
    const { script } = build().json.resource.coder_script.devcontainer_extensions;
    // No `${` or `%{` left that Terraform would evaluate.
    expect(script).not.toMatch(/(^|[^$])\$\{/);
    expect(script).not.toMatch(/(^|[^%])%\{/);
    expect(unescape(script)).toBe(renderIdeExtensionsScript({
      recordDir: RECORD_DIR,
      codeServerBinary: '/tmp/code-server/bin/code-server',
      codeServerWaitSeconds: 900,
      settingsGuardSeconds: 300,
      desktopWatchSeconds: 43_200,
    }));
  });

  it('reads the builder\'s recorded files and the module\'s code-server binary', () => {
    const { script } = build({ codeServerInstallPrefix: '/opt/cs', vscodeDesktopWatchSeconds: 0 }).json.resource.coder_script.devcontainer_extensions;
    expect(script).toContain("RECORD_DIR='/usr/local/share/devcontainer-builder/vscode'");
    expect(script).toContain("CODE_SERVER='/opt/cs/bin/code-server'");
    expect(script).toContain('DESKTOP_WATCH_SECONDS=0');
  });

  it('tells the template how the code-server module reuses the builder\'s copy', () => {
    expect(build().ide.codeServerModuleVariables).toEqual({ install_prefix: '/tmp/code-server', use_cached: true });
  });

  it('passes the provider schema', () => {
    const report = checkTerraformJson(build().json, loadSchemas(SCHEMA_DIR, ['coder']));
    expect(report.errors).toEqual([]);
  });

  it('fails when the code-server prefix is relative', () => {
    expect(() => build({ codeServerInstallPrefix: 'code-server' })).toThrowError(
      'IdeExtensions: codeServerInstallPrefix must be an absolute path, got "code-server".',
    );
  });

  it('fails when a duration is not a whole number of seconds', () => {
    expect(() => build({ codeServerWaitSeconds: -1 })).toThrowError('IdeExtensions: expected a whole number of seconds >= 0, got -1.');
    expect(() => build({ vscodeDesktopWatchSeconds: 1.5 })).toThrowError('IdeExtensions: expected a whole number of seconds >= 0, got 1.5.');
  });
});

describe('escapeTerraformTemplate', () => {
  it('doubles the introducers of interpolations and directives only', () => {
    expect(escapeTerraformTemplate('a ${b} %{c} $d %e $$')).toBe('a $${b} %%{c} $d %e $$');
  });
});
