import type { CoderLogSource } from './coder-api.js';

/**
 * The one log source all builder output appears under in Coder (the id is
 * part of the template/builder contract, docs/architecture.md). The icon is
 * one Coder ships in `site/static/icon/`.
 */
export const DEV_CONTAINER_LOG_SOURCE: CoderLogSource = {
  id: '1a02c755-957a-4887-ba1f-72fa21a4ac7d',
  display_name: 'Dev Container',
  icon: '/icon/docker.png',
};

/**
 * Coder's limit for all log sources of one agent together, in bytes of output
 * (coder/coder migration `max_logs_length`: CHECK `logs_length <= 1048576`).
 */
export const CODER_AGENT_LOG_LIMIT_BYTES = 1_048_576;
