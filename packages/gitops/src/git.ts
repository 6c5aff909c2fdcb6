import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { GitError, GitNotFoundError, NotARepositoryError } from './errors.js';

/** Env for every git call: fixed identity, and the machine's global/system config ignored. */
export const hiveGitIdentity: Record<string, string> = Object.freeze({
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'hyperhive',
  GIT_AUTHOR_EMAIL: 'hive@hyperhive.invalid',
  GIT_COMMITTER_NAME: 'hyperhive',
  GIT_COMMITTER_EMAIL: 'hive@hyperhive.invalid',
});

// Repos here can be written by the manager agent: never run their hooks or fsmonitor,
// never sign, never gc in the background. Command-line -c beats the repo's own config.
const SAFE_CONFIG = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['gc.auto', '0'],
  ['core.quotePath', 'false'],
].flatMap(([k, v]) => ['-c', `${k}=${v}`]);

export interface RunOptions {
  input?: string;
  /** Return the exit code instead of throwing on a non-zero one. */
  allowFailure?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs git in `repo` (no shell); the building block of every helper here. */
export async function runGit(repo: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const cwd = path.resolve(repo);
  // execa reports a missing cwd as ENOENT, which would read as "git not installed".
  if (!existsSync(cwd)) throw new NotARepositoryError(repo);
  let r;
  try {
    r = await execa('git', [...SAFE_CONFIG, ...args], {
      cwd,
      input: opts.input,
      reject: false,
      stripFinalNewline: false,
      maxBuffer: 512 * 1024 * 1024,
      env: {
        ...hiveGitIdentity,
        LC_ALL: 'C',
        GIT_TERMINAL_PROMPT: '0',
        // A plain dir inside some other checkout must not silently act on that checkout.
        GIT_CEILING_DIRECTORIES: path.dirname(cwd),
        GIT_DIR: undefined,
        GIT_WORK_TREE: undefined,
        GIT_INDEX_FILE: undefined,
        GIT_OBJECT_DIRECTORY: undefined,
        GIT_ALTERNATE_OBJECT_DIRECTORIES: undefined,
        GIT_NAMESPACE: undefined,
      },
    });
  } catch (e) {
    throw wrapSpawnError(args, e);
  }
  if (r.failed && r.exitCode === undefined) throw wrapSpawnError(args, r);
  const result = { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 };
  if (result.exitCode !== 0 && /not a git repository/i.test(result.stderr)) throw new NotARepositoryError(repo);
  if (result.exitCode !== 0 && !opts.allowFailure) throw new GitError(args, result.stderr || result.stdout);
  return result;
}

function wrapSpawnError(args: readonly string[], e: unknown): Error {
  if ((e as { code?: string }).code === 'ENOENT') return new GitNotFoundError({ cause: e });
  return new GitError(args, String((e as Error).message), { cause: e });
}

/** Runs git in `repo` and returns its trimmed stdout; throws GitError (stderr kept) on failure. */
export async function git(repo: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  const r = await runGit(repo, args, { input: opts.input });
  return r.stdout.trim();
}
