import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../constructs/coder/generated/agent/index.js';
import { DataCoderWorkspace } from '../../constructs/coder/generated/data-coder-workspace/index.js';
import { DeveloperModules, GIT_COMMIT_SIGNING_SCRIPT, type DeveloperModulesProps } from '../../constructs/developer-modules.js';
import { addRegistryModule } from '../../constructs/registry-module.js';
import { synth, testStack } from './helpers.js';

function build(props: Partial<DeveloperModulesProps> = {}) {
  const stack = testStack();
  const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
  agent.overrideLogicalId('main');
  const workspace = new DataCoderWorkspace(stack, 'workspace');
  workspace.overrideLogicalId('me');
  new DeveloperModules(stack, 'developer', {
    agent,
    count: workspace.startCount,
    coderUrl: '${local.coder_url}',
    sessionToken: '${data.coder_workspace_owner.me.session_token}',
    ...props,
  });
  return { stack, json: synth(stack) };
}

/** Runs the signing script with only the given stub tools on PATH. */
function runSigning(tools: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'signing-'));
  const bin = join(root, 'bin');
  const home = join(root, 'home');
  mkdirSync(bin);
  mkdirSync(home);
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "$0 $*" >> ${root}/argv\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const script = join(root, 'signing.sh');
  writeFileSync(script, GIT_COMMIT_SIGNING_SCRIPT);
  const r = spawnSync('/bin/sh', [script], {
    env: { PATH: bin, HOME: home, CODER_AGENT_URL: 'http://coder.internal:7080/', CODER_AGENT_TOKEN: 'agent-secret-token' },
    encoding: 'utf8',
  });
  const argv = existsSync(join(root, 'argv')) ? readFileSync(join(root, 'argv'), 'utf8') : '';
  return { ...r, home, argv };
}

describe('DeveloperModules', () => {
  it('issue 11.2: logs the coder CLI in with the URL the pod reaches (agent_url), only while the workspace runs', () => {
    const env = build().json.resource.coder_env;
    expect(env).toEqual({
      coder_url: expect.objectContaining({ agent_id: '${coder_agent.main.id}', name: 'CODER_URL', value: '${local.coder_url}', count: '${data.coder_workspace.me.start_count}' }),
      coder_session_token: expect.objectContaining({ name: 'CODER_SESSION_TOKEN', value: '${data.coder_workspace_owner.me.session_token}' }),
    });
    expect(build().json.module).toBeUndefined();
  });

  it('leaves a part out when asked', () => {
    expect(build({ coderLogin: false }).json.resource.coder_env).toBeUndefined();
    expect(build({ gitCommitSigning: false }).json.resource.coder_script).toBeUndefined();
    expect(Object.keys(build().json.resource.coder_script)).toEqual(['git_commit_signing']);
  });

  it('issue 11.9: commit signing never fails the start: without curl and jq it says so and exits 0', () => {
    const r = runSigning({});
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Git commit signing is off: the dev container has no git curl jq.');
    const partial = runSigning({ git: 'exit 0' });
    expect(partial.status).toBe(0);
    expect(partial.stdout).toContain('has no curl jq.');
  });

  it('issue 11.9: with the tools it fetches the key from CODER_AGENT_URL, token on stdin only, and configures git', () => {
    const r = runSigning({
      // Shell builtins only: PATH holds nothing but the stubs.
      curl: 'while IFS= read -r l; do printf "%s\\n" "$l"; done > "$HOME/../curl-config"; echo \'{"public_key":"ssh-ed25519 AAA","private_key":"-----KEY-----"}\'',
      jq: 'key=$1; [ "$key" = "-r" ] && key=$2; case "$key" in .private_key) echo "-----KEY-----";; .public_key) echo "ssh-ed25519 AAA";; esac',
      git: 'exit 0',
      mkdir: 'exec /bin/mkdir "$@"',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Git commit signing is on');
    expect(r.argv).toContain('http://coder.internal:7080/api/v2/workspaceagents/me/gitsshkey');
    expect(r.argv).not.toContain('agent-secret-token');
    expect(readFileSync(join(r.home, '..', 'curl-config'), 'utf8')).toBe('header = "Coder-Session-Token: agent-secret-token"\n');
    expect(r.argv).toContain('config --global gpg.format ssh');
    expect(readFileSync(join(r.home, '.ssh', 'git-commit-signing', 'coder'), 'utf8')).toBe('-----KEY-----\n');
  });

  it('escapes the script for Terraform', () => {
    const script = build().json.resource.coder_script.git_commit_signing.script as string;
    expect(script).toContain('$${CODER_AGENT_URL%/}');
    expect(script).not.toMatch(/(^|[^$])\$\{/);
  });
});

describe('addRegistryModule', () => {
  it('fails for a version that is not an exact release', () => {
    expect(() => addRegistryModule(testStack(), 'x', { source: 'registry.coder.com/coder/x/coder', version: '~> 1.0' }, { agentId: 'a', count: 1 }))
      .toThrowError('Module "x": version "~> 1.0" is not an exact x.y.z release; pin one.');
  });
});
