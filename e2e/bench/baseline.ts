/**
 * Another revision of this repository, ready to serve, for a benchmark that compares it side by side
 * with the working tree: its files (git archive) in a temporary directory, this tree's installed
 * packages linked in (the workspaces linked to the revision's own), and its client built. Kept per
 * commit, so a second run starts at once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const WORKSPACES = ['client', 'e2e', 'shared', 'signaling-server'];

/** The directory of `ref` (a branch, tag or commit), prepared and built. */
export function checkout(ref: string, log: (text: string) => void): string {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `peerlab-bench-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, 'client/dist/index.html'))) return dir;
  log(`preparing ${ref} (${commit.slice(0, 12)}) in ${dir}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C '${dir}'`], { cwd: REPO_ROOT });
  linkPackages(dir);
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: join(dir, 'client'), stdio: 'inherit' });
  return dir;
}

/** node_modules of `dir`: every package of this tree's, except the workspaces, which point at `dir`'s own. */
function linkPackages(dir: string): void {
  const source = join(REPO_ROOT, 'node_modules');
  const target = join(dir, 'node_modules');
  mkdirSync(join(target, '@peerlab'), { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === '@peerlab' || existsSync(join(target, entry))) continue;
    symlinkSync(join(source, entry), join(target, entry));
  }
  for (const workspace of WORKSPACES) symlinkSync(join(dir, workspace), join(target, '@peerlab', workspace));
}
