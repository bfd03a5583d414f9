/**
 * Check a branch name against git's rules for ref names (`git check-ref-format
 * --branch`), without starting git: config validation is synchronous and must
 * report every problem at once. Returns the branch (a leading `refs/heads/`
 * removed) or a reason it is invalid.
 *
 * @see https://git-scm.com/docs/git-check-ref-format
 */
export function parseBranchName(value: string): { branch: string } | { problem: string } {
  const branch = value.startsWith('refs/heads/') ? value.slice('refs/heads/'.length) : value;
  const problem = branchProblem(branch);
  return problem === undefined ? { branch } : { problem };
}

function branchProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  // Control characters, space and the characters git reserves for revision syntax.
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.startsWith('-')) return 'starts with "-"';
  if (name === '@' || name === 'HEAD') return `is "${name}", which git reserves`;
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component (leading, trailing or double "/")';
  if (name.endsWith('.')) return 'ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a component starting with "." ("${part}")`;
    if (part.endsWith('.lock')) return `has a component ending with ".lock" ("${part}")`;
  }
  return undefined;
}
