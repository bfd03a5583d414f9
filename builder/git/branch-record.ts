import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The branch parameter the checkout last honoured, kept inside the
 * repository's git directory (not in `.git/config`). It lets a restart tell
 * "the parameter changed" from "the user switched branches in the workspace":
 * only the first moves the checkout.
 */
export interface BranchRecord {
  /** The requested branch; null for "the remote's default branch". */
  readonly requestedBranch: string | null;
}

const FILE = 'devcontainer-builder.json';

/** The record in `gitDir`, or undefined when there is none (or it is unreadable). */
export async function readBranchRecord(gitDir: string): Promise<BranchRecord | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path.join(gitDir, FILE), 'utf8'));
    if (typeof value === 'object' && value !== null && 'requestedBranch' in value) {
      const branch = (value as { requestedBranch: unknown }).requestedBranch;
      if (branch === null || typeof branch === 'string') return { requestedBranch: branch };
    }
  } catch {
    // No record yet (a checkout made before this file existed): the caller decides without it.
  }
  return undefined;
}

/** Remember the branch parameter just honoured. Returns the file written. */
export async function writeBranchRecord(gitDir: string, requestedBranch: string | undefined): Promise<string> {
  const record: BranchRecord = { requestedBranch: requestedBranch ?? null };
  const file = path.join(gitDir, FILE);
  await writeFile(file, `${JSON.stringify(record)}\n`);
  return file;
}
