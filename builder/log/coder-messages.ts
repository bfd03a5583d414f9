import type { CoderLogEntry } from './coder-api.js';
import type { LeftOut } from './coder-queue.js';

// The lines the Coder sink adds to the stream itself, so a user reading the
// log in the Coder UI knows when and why it is incomplete.

/** The one line standing for the lines left out between head and tail. */
export function leftOutEntry(leftOut: LeftOut): CoderLogEntry {
  const why = [
    leftOut.overBudget ? 'to stay within the log budget' : undefined,
    leftOut.overQueue ? 'while Coder was not answering' : undefined,
  ]
    .filter((w) => w !== undefined)
    .join(' and ');
  return {
    created_at: new Date().toISOString(),
    level: 'warn',
    output: `… ${leftOut.lines} lines left out ${why}; the full output is in the container log (kubectl logs) …`,
  };
}

/** The last line sent once Coder answered 413. */
export function limitReachedEntry(): CoderLogEntry {
  return {
    created_at: new Date().toISOString(),
    level: 'warn',
    output: "… Coder's log limit for this agent is reached: the rest of the output is in the container log (kubectl logs) …",
  };
}
