import { agentCommand, type AgentPolicy } from './agent.js';
import type { CommandContext } from './context.js';
import { upCommand } from './up.js';

/**
 * `devcontainer-builder run`: `up` then `agent` in one process, for a single
 * container or a laptop. Without `CODER_AGENT_URL`/`CODER_AGENT_TOKEN` it
 * only builds and starts the dev container, and says so.
 */
export async function runCommand(ctx: CommandContext, policy: AgentPolicy = {}): Promise<void> {
  const outcome = await upCommand(ctx);
  const { config, log } = ctx;
  if (!config.agentUrl || !config.agentToken) {
    const { containerId, remoteUser, remoteWorkspaceFolder, fallback } = outcome.state;
    const what = fallback ? 'recovery container' : 'dev container';
    log.info(`CODER_AGENT_URL and CODER_AGENT_TOKEN are not set: logs were not streamed to Coder and no agent is started. The ${what} ${containerId.slice(0, 12)} keeps running; open a shell with: docker exec -it -u ${remoteUser} -w ${remoteWorkspaceFolder} ${containerId.slice(0, 12)} sh`);
    return;
  }
  await agentCommand(ctx, policy);
}
