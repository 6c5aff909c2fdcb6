/** Test helpers shared by every package: real temp dirs and real git repos, removed when the process exits. */
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const made: string[] = [];
process.on('exit', () => {
  if (process.env.HIVE_KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp dir, removed at process exit (set HIVE_KEEP_TMP=1 to keep it for a post-mortem). */
export function tempDir(prefix = 'hive-test-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Git env that ignores the machine's global config: fixed identity, no signing, no background gc. */
export const testGitEnv: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'hive test',
  GIT_AUTHOR_EMAIL: 'test@hive.invalid',
  GIT_COMMITTER_NAME: 'hive test',
  GIT_COMMITTER_EMAIL: 'test@hive.invalid',
};

export async function git(cwd: string, args: string[], input?: string): Promise<string> {
  const r = await execa('git', args, { cwd, env: testGitEnv, input });
  return r.stdout;
}

/** git init on branch main with a repo-local identity, gc and signing off. */
export async function initRepo(dir: string = tempDir('hive-repo-')): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'user.name', 'hive test']);
  await git(dir, ['config', 'user.email', 'test@hive.invalid']);
  await git(dir, ['config', 'commit.gpgsign', 'false']);
  await git(dir, ['config', 'tag.gpgsign', 'false']);
  await git(dir, ['config', 'gc.auto', '0']);
  return dir;
}

/** Writes files (path → content) into a repo, commits them all, returns the new sha. */
export async function commitFiles(dir: string, files: Record<string, string>, message = 'test commit'): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}

/** Every file under a dir with its content hash, for "nothing changed on disk" assertions. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const { createHash } = await import('node:crypto');
  const { readdirSync, readFileSync, lstatSync, readlinkSync } = await import('node:fs');
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      const p = path.join(d, e);
      const st = lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = 'link:' + readlinkSync(p);
      else if (st.isDirectory()) {
        out[rel + '/'] = 'dir';
        walk(p);
      } else if (/-(wal|shm)$/.test(e)) continue; // SQLite side files change on reads
      else out[rel] = createHash('sha1').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A scripted Anthropic Messages API on loopback for the real claude CLI: ordered rules, recorded requests. */
export { startScriptedApi, type ScriptedApi } from './anthropic/server.js';
export { readConversation, type ConversationFacts } from './anthropic/conversation.js';
export {
  DEFAULT_USAGE,
  DEFAULT_FALLBACK,
  type Scenario,
  type ScenarioOptions,
  type Rule,
  type Reply,
  type ReplyBlock,
  type ReplyContext,
  type ToolUseSpec,
  type ApiErrorSpec,
  type Usage,
  type RecordedRequest,
  type RequestKind,
} from './anthropic/types.js';
/** The real claude CLI: its binary, an offline env, one run with parsed stream-json. */
export { findClaudeBinary, requireClaudeBinary, claudeOfflineEnv, runClaudeCli, type ClaudeRun } from './claude.js';
/** Errors of the helpers above. */
export { ScriptedApiTimeoutError, ClaudeNotInstalledError } from './errors.js';
