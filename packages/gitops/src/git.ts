import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
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

// Repos here can be written by an agent: never run their hooks, fsmonitor or diff drivers,
// never sign, never gc in the background, never reach beyond a local path. Command-line -c
// beats the repo's own config (git reads it last). Filter and textconv drivers are named by
// attributes and cannot all be switched off by config in git 2.39: hence `isolated` below,
// and no porcelain in a manager-writable repo.
const SAFE_CONFIG = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.attributesFile', '/dev/null'],
  // Run instead of for-each-ref when a repo has alternates: a no-op, not the repo's own command.
  ['core.alternateRefsCommand', 'true'],
  ['core.pager', 'cat'],
  ['credential.helper', ''],
  ['protocol.allow', 'never'],
  ['protocol.file.allow', 'always'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['core.quotePath', 'false'],
].flatMap(([k, v]) => ['-c', `${k}=${v}`]);

/** Env every call adds: replace refs and the system attributes file ignored. */
export const SAFE_ENV: Readonly<Record<string, string>> = Object.freeze({
  GIT_NO_REPLACE_OBJECTS: '1',
  GIT_ATTR_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '/bin/false',
  GIT_PROTOCOL_FROM_USER: '0',
});

let emptyDir: string | null = null;
/** A daemon-owned empty dir (0700): the work tree of isolated calls, so no in-tree .gitattributes is ever read. */
function isolationDir(): string {
  if (!emptyDir || !existsSync(emptyDir)) emptyDir = mkdtempSync(path.join(os.tmpdir(), 'hive-git-empty-'));
  return emptyDir;
}

export interface RunOptions {
  input?: string;
  /** Return the exit code instead of throwing on a non-zero one. */
  allowFailure?: boolean;
  /**
   * Read the repo's objects and refs only: an empty work tree and no index, so in-tree and
   * indexed `.gitattributes` (`* -diff`, filters, textconv) play no part. For diff, ls-tree, cat-file.
   */
  isolated?: boolean;
  /** Decode output as latin1 (one character per byte) for byte-exact parsing, e.g. `cat-file --batch`. */
  binary?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs git in `repo` (no shell); the building block of every helper here. */
export async function runGit(repo: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const dir = path.resolve(repo);
  // A missing cwd fails the spawn with ENOENT, which would read as "git not installed".
  if (!existsSync(dir)) throw new NotARepositoryError(repo);
  const iso = opts.isolated ? isolatedEnv(dir) : null;
  let r;
  try {
    r = await spawnGit([...SAFE_CONFIG, ...args], {
      cwd: iso?.GIT_WORK_TREE ?? dir,
      input: opts.input,
      encoding: opts.binary ? 'latin1' : 'utf8',
      env: {
        ...hiveGitIdentity,
        ...SAFE_ENV,
        LC_ALL: 'C',
        // A plain dir inside some other checkout must not silently act on that checkout.
        GIT_CEILING_DIRECTORIES: path.dirname(dir),
        GIT_DIR: undefined,
        GIT_WORK_TREE: undefined,
        GIT_INDEX_FILE: undefined,
        GIT_OBJECT_DIRECTORY: undefined,
        GIT_ALTERNATE_OBJECT_DIRECTORIES: undefined,
        GIT_NAMESPACE: undefined,
        GIT_CONFIG_PARAMETERS: undefined,
        GIT_CONFIG_COUNT: undefined,
        GIT_EXTERNAL_DIFF: undefined,
        GIT_PAGER: undefined,
        GIT_SSH_COMMAND: undefined,
        ...iso,
      },
    });
  } catch (e) {
    throw wrapSpawnError(args, e);
  }
  if (r.exitCode !== 0 && /not a git repository/i.test(r.stderr)) throw new NotARepositoryError(repo);
  if (r.exitCode !== 0 && !opts.allowFailure) throw new GitError(args, r.stderr || r.stdout);
  return r;
}

const MAX_OUTPUT = 512 * 1024 * 1024;

/**
 * git as a child process with an argument array (no shell), its env on top of the daemon's (an
 * undefined value unsets), stdout/stderr collected. Plain child_process rather than execa, which
 * STYLE asks for elsewhere: an approval runs ~25 git calls, and execa's per-call setup cost
 * 2–5 ms each on the deploy path (docs/benchmarks.md, item 3).
 */
function spawnGit(args: readonly string[], o: { cwd: string; input?: string | undefined; encoding: BufferEncoding; env: Record<string, string | undefined> }): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(o.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: o.cwd, env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (d: Buffer) => {
      size += d.length;
      if (size > MAX_OUTPUT) child.kill('SIGKILL');
      else into.push(d);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString(o.encoding);
      if (size > MAX_OUTPUT) return reject(new Error(`git output over ${MAX_OUTPUT >> 20} MiB`));
      resolve({ stdout: Buffer.concat(out).toString(o.encoding), stderr: stderr || (signal ? `killed by ${signal}` : ''), exitCode: code ?? 1 });
    });
    if (o.input !== undefined) {
      child.stdin!.on('error', () => undefined); // git may exit before reading it all: its exit code says why
      child.stdin!.end(o.input);
    }
  });
}

/** GIT_DIR is the repo's own `.git` (or the repo itself when bare); the work tree is empty, the index absent. */
function isolatedEnv(dir: string): Record<string, string> {
  const gitDir = existsSync(path.join(dir, '.git')) ? path.join(dir, '.git') : dir;
  const empty = isolationDir();
  return { GIT_DIR: gitDir, GIT_WORK_TREE: empty, GIT_INDEX_FILE: path.join(empty, 'no-index') };
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
