#!/usr/bin/env node
// Command-line face of checks.mjs for the bats kit: reads a command's output
// on stdin, prints one line saying what it found, and exits
//   0 ok, 1 pending (poll again), 2 failed (waiting will not help), 64 usage.
//
//   coder list -o json | node check.mjs build --name NAME
//   coder list -o json | node check.mjs workspace-id --name NAME
//   coder list -o json | node check.mjs agent|log-source|apps --name NAME [--agent main] [--apps code-server,...]
//   coder logs NAME    | node check.mjs builder-logs [--agent main] [--success-pattern REGEX]
//   kubectl get pods -o json -l ... | node check.mjs pod [--namespace NS] [--workspace-id ID]
import { parseArgs } from 'node:util';
import { text } from 'node:stream/consumers';
import * as checks from './checks.mjs';

const EXIT = { ok: 0, pending: 1, failed: 2 };

function usage(message) {
  process.stderr.write(`check.mjs: ${message}\n`);
  process.exit(64);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    agent: { type: 'string', default: 'main' },
    apps: { type: 'string', default: 'code-server' },
    'success-pattern': { type: 'string' },
    namespace: { type: 'string', default: 'coder-workspace' },
    'workspace-id': { type: 'string' },
  },
});
const [check] = positionals;
const input = await text(process.stdin);

function json() {
  try {
    return JSON.parse(input);
  } catch {
    // A half-written answer or a CLI error message: poll again.
    const first = input.trim().split('\n')[0] ?? '';
    console.log(`output is not JSON: ${first.slice(0, 200) || '(empty)'}`);
    process.exit(EXIT.pending);
  }
}

function needName() {
  if (!values.name) usage(`${check} needs --name`);
  return values.name;
}

let verdict;
switch (check) {
  case 'build': verdict = checks.checkBuild(json(), needName()); break;
  case 'workspace-id': verdict = checks.workspaceId(json(), needName()); break;
  case 'agent': verdict = checks.checkAgent(json(), needName(), values.agent); break;
  case 'log-source': verdict = checks.checkLogSource(json(), needName(), values.agent); break;
  case 'apps': {
    const required = values.apps.split(',').map((s) => s.trim()).filter(Boolean);
    verdict = checks.checkApps(json(), needName(), { agentName: values.agent, required });
    break;
  }
  case 'builder-logs':
    verdict = checks.checkBuilderLogs(input, { agentName: values.agent, successPattern: values['success-pattern'] || undefined });
    break;
  case 'pod':
    verdict = checks.checkPod(json(), { namespace: values.namespace, workspaceId: values['workspace-id'] });
    break;
  default:
    usage(`unknown check "${check ?? ''}" (build, workspace-id, agent, log-source, apps, builder-logs, pod)`);
}
console.log(verdict.message);
process.exit(EXIT[verdict.state]);
