import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../builder/cli.js';
import { replay, World } from './harness.js';

/** Run the real entry point as `devcontainer-builder run` with the fakes on PATH; no Coder variables. */
async function runCli(world: World): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (d: Buffer) => chunks.push(d.toString()));
  const env: NodeJS.ProcessEnv = { ...process.env, DEVCONTAINER_REPOSITORY: `file://${world.repo}`, DEVCONTAINER_WORKSPACES_ROOT: world.workspaces, DEVCONTAINER_CACHE_FROM: '' };
  delete env.CODER_AGENT_URL;
  delete env.CODER_AGENT_TOKEN;
  const code = await main(['run'], { env, stdout, stderr: stdout, signal: new AbortController().signal, devcontainerBin: 'devcontainer' });
  return { code, stdout: chunks.join('') };
}

describe('devcontainer-builder run (laptop path, no Coder variables)', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('builds and starts the dev container, then says the agent and log streaming are skipped', async () => {
    world = new World();
    world.script([replay('up', 'success'), { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success"}' }]);
    const { code, stdout } = await runCli(world);
    expect(code).toBe(0);
    expect(stdout).toContain('CODER_AGENT_URL and CODER_AGENT_TOKEN are not set: logs were not streamed to Coder and no agent is started.');
    expect(world.recordedCalls().some((c) => c.args[0] === 'exec' && c.tool === 'devcontainer')).toBe(false);
  });

  it('exits 1 with a final message naming the failing step and its last lines', async () => {
    world = new World();
    world.script([replay('up', 'build-failure')]);
    const { code, stdout } = await runCli(world);
    expect(code).toBe(1);
    expect(stdout).toContain('✘ run failed in step "devcontainer-up": The dev container image build failed: An error occurred building the image.');
    expect(stdout).toContain('  | E: Unable to locate package nope');
  });
});
