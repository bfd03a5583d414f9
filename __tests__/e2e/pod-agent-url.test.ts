// Issue 11.2: Coder's access URL is baked into the agent's init script at plan
// time (terraform-provider-coder provider/agent.go), so a pod that cannot
// reach it starts the agent only if the template rewrites the script to
// `agent_url`. The access URL here is a closed port on the pod's own loopback;
// `agent_url` is the fake Coder on the test network. The dev container has
// curl (fixture dockerfile-feature), so the script itself downloads the agent.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { fixtureFiles, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';

const UNREACHABLE_ACCESS_URL = 'http://127.0.0.1:9';

describeDocker('issue 11.2: agent_url reaches the agent when the access URL does not', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.13.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('issue 11.2: the init script downloads the agent from agent_url and the agent connects to it', async () => {
    const repo = await env.git.createRepo('agenturl', { files: await fixtureFiles('dockerfile-feature') });
    const pod = workspacePod(env, { name: 'agenturl', repo }, { accessUrl: UNREACHABLE_ACCESS_URL, agentUrl: env.coder.url });
    const script = pod.pod.containers.find((c) => c.name === 'devcontainer-agent')?.env.get('CODER_INIT_SCRIPT') ?? '';
    expect(script).toContain(`${new URL('/', env.coder.url).href}bin/coder-linux-amd64`);
    expect(script).not.toContain('127.0.0.1:9');

    await pod.start();
    const report = await waitForReports(env.coder, 0);
    expect(report['agentUrl']).toBe(new URL('/', env.coder.url).href.replace(/\/$/, ''));
    expect(env.coder.requests.some((r) => r.method === 'GET' && r.path === '/bin/coder-linux-amd64')).toBe(true);
    // The builder itself streamed its log to agent_url as well.
    expect(env.coder.requests.some((r) => r.path.startsWith('/api/v2/workspaceagents/me/'))).toBe(true);
  });
});
