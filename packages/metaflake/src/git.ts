import { execa } from 'execa';
import { MetaGitError } from './errors.js';

// Commits in the meta and stub repos use this identity and never the machine's git config.
const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'hyperhive',
  GIT_AUTHOR_EMAIL: 'hive@hyperhive',
  GIT_COMMITTER_NAME: 'hyperhive',
  GIT_COMMITTER_EMAIL: 'hive@hyperhive',
  GIT_TERMINAL_PROMPT: '0',
};

export interface GitResult {
  stdout: string;
  exitCode: number;
}

/** Runs git in `cwd`; throws MetaGitError on a non-zero exit unless `allowFail`. */
export async function git(cwd: string, args: string[], o: { input?: string; allowFail?: boolean; keepNewline?: boolean } = {}): Promise<GitResult> {
  const r = await execa('git', args, { cwd, env: GIT_ENV, input: o.input, reject: false, stripFinalNewline: !o.keepNewline });
  const exitCode = r.exitCode ?? 1;
  if (exitCode !== 0 && !o.allowFail) throw new MetaGitError(args, r.stderr || r.stdout || String(r.message), { cause: r });
  return { stdout: r.stdout, exitCode };
}

/** The full sha `rev` names as a commit in `cwd`, or null. */
export async function resolveCommit(cwd: string, rev: string): Promise<string | null> {
  const r = await git(cwd, ['rev-parse', '--verify', '-q', `${rev}^{commit}`], { allowFail: true });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}
