import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The commit checked out in the repository holding `dir`, read from .git files (no git binary needed,
 * e.g. in the training image); null outside a repository or when it cannot be read.
 */
export function currentGitCommit(dir: string): string | null {
  let root = path.resolve(dir);
  while (!existsSync(path.join(root, '.git'))) {
    const parent = path.dirname(root);
    if (parent === root) return null;
    root = parent;
  }
  try {
    const gitDir = path.join(root, '.git');
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return /^[0-9a-f]{40}$/.test(head) ? head : null;
    const loose = path.join(gitDir, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
    return (
      packed
        .split('\n')
        .find((line) => line.endsWith(` ${ref}`))
        ?.slice(0, 40) ?? null
    );
  } catch {
    // A worktree (.git is a file) or an unreadable repository: the commit is optional metadata.
    return null;
  }
}
