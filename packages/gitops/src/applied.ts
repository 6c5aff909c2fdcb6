import { existsSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PreOverhaulLayoutError } from './errors.js';
import { git } from './git.js';
import { deployedTag } from './approval-tags.js';
import { initRepo, isRepo, revParse } from './repo.js';
import { tagExists } from './tags.js';

export interface SetupAppliedOptions {
  /** The applied repo, normally `<state>/applied/<name>`; its basename is the agent name in messages. */
  dir: string;
  /** The proposed repo whose `main` becomes the first deployed commit. */
  proposedDir: string;
  /** Deploy this commit of proposed instead of its main (an init approval deploys the sha it showed). */
  sha?: string;
}

/** First spawn: create the applied repo from proposed's main and tag deployed/0. Later calls: check and do nothing. */
export async function setupApplied(o: SetupAppliedOptions): Promise<{ created: boolean }> {
  const dir = path.resolve(o.dir);
  const agent = path.basename(dir);
  if (existsSync(dir) && !isEmptyDir(dir)) {
    if (isRepo(dir) && (await tagExists(dir, deployedTag(0)))) return { created: false };
    throw new PreOverhaulLayoutError(dir, agent);
  }
  const main = await revParse(o.proposedDir, o.sha ?? 'refs/heads/main');
  // Build beside the target and rename into place, so a crash never leaves a repo without deployed/0
  // (which the next spawn would mistake for a pre-overhaul layout).
  const tmp = path.join(path.dirname(dir), `.${agent}.setup-${process.pid}-${Date.now()}`);
  try {
    await initRepo(tmp);
    // --update-head-ok: main is the (unborn) current branch of this fresh repo.
    await git(tmp, ['fetch', '--quiet', '--no-tags', '--update-head-ok', path.resolve(o.proposedDir), `${main}:refs/heads/main`]);
    await git(tmp, ['checkout', '-q', '-f', 'main']);
    await git(tmp, ['tag', '--no-sign', '--', deployedTag(0), main]);
    if (existsSync(dir)) rmdirSync(dir); // only ever an empty dir here
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { created: true };
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false; // a file, or unreadable: not ours to replace
  }
}
