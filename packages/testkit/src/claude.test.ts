// Drives the REAL claude CLI (the npm package's native binary) against the scripted API on loopback.
import { existsSync, mkdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedApi, type ScriptedApi } from './anthropic/server.js';
import type { Scenario } from './anthropic/types.js';
import { claudeOfflineEnv, claudePlatformPackage, findClaudeBinary, runClaudeCli, type ClaudeRun } from './claude.js';
import { commitFiles, initRepo, tempDir } from './index.js';

const MODEL = 'claude-sonnet-4-5';
const baseArgs = (prompt: string) => ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--model', MODEL];

let api: ScriptedApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function runAgainst(scenario: Scenario, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<ClaudeRun> {
  api = await startScriptedApi(scenario);
  const env = claudeOfflineEnv({ apiUrl: api.url, home: tempDir('hive-claude-home-'), extra: opts.env });
  return runClaudeCli(args, { cwd: opts.cwd ?? tempDir('hive-claude-cwd-'), env });
}

const ofType = (run: ClaudeRun, type: string) => run.events.filter((e) => e.type === type) as any[];
const resultOf = (run: ClaudeRun) => {
  const results = ofType(run, 'result');
  expect(results).toHaveLength(1);
  return results[0];
};

describe('findClaudeBinary', () => {
  it('resolves the installed native binary to an absolute real path that runs --version', async () => {
    const bin = findClaudeBinary();
    expect(bin).not.toBeNull();
    expect(path.isAbsolute(bin!)).toBe(true);
    expect(statSync(bin!).size).toBeGreaterThan(1_000_000);
    const { stdout } = await execa(bin!, ['--version'], { cwd: tempDir(), env: { PATH: '/usr/bin:/bin', HOME: tempDir() }, extendEnv: false });
    expect(stdout).toMatch(/^2\.1\.332 \(Claude Code\)/);
  });

  describe('from a place with its own node_modules', () => {
    // pnpm's bin shims set NODE_PATH to the whole store, which Node also searches; these cases are about
    // the walk up from `from`, so the store is taken out of the search for their duration.
    const savedNodePath = process.env.NODE_PATH;
    const initPaths = () => (Module as unknown as { _initPaths(): void })._initPaths();
    beforeAll(() => {
      delete process.env.NODE_PATH;
      initPaths();
    });
    afterAll(() => {
      if (savedNodePath !== undefined) process.env.NODE_PATH = savedNodePath;
      initPaths();
    });
    const fakeWrapper = (root: string, exeBytes: number) => {
      const dir = path.join(root, 'node_modules', '@anthropic-ai', 'claude-code');
      mkdirSync(path.join(dir, 'bin'), { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '0.0.0' }));
      writeFileSync(path.join(dir, 'bin', 'claude.exe'), Buffer.alloc(exeBytes), { mode: 0o755 });
      return dir;
    };

    it('answers null when the CLI is not installed there', () => {
      expect(findClaudeBinary(path.join(tempDir(), 'index.js'))).toBeNull();
    });

    it("answers null when only the wrapper's placeholder stub is there (its postinstall did not run)", () => {
      const root = tempDir();
      fakeWrapper(root, 500);
      expect(findClaudeBinary(path.join(root, 'index.js'))).toBeNull();
    });

    it("prefers the platform package's binary, realpath'd through symlinks", () => {
      const root = tempDir();
      fakeWrapper(root, 500);
      const store = path.join(root, 'store');
      mkdirSync(store);
      writeFileSync(path.join(store, 'package.json'), JSON.stringify({ name: claudePlatformPackage(), version: '0.0.0' }));
      writeFileSync(path.join(store, 'claude'), 'native');
      symlinkSync(store, path.join(root, 'node_modules', claudePlatformPackage()));
      expect(findClaudeBinary(path.join(root, 'index.js'))).toBe(path.join(realpathSync(store), 'claude'));
    });
  });
});

describe('the real claude CLI against the scripted API', () => {
  it('prints a scripted text reply in the assistant event and the result, with the scripted usage', async () => {
    const run = await runAgainst(
      { rules: [{ lastUserText: 'say hi', reply: { text: 'hi from the script' } }], usage: { input_tokens: 123, output_tokens: 45 } },
      baseArgs('say hi please'),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const init = ofType(run, 'system').find((e) => e.subtype === 'init');
    expect(init.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(init.tools).toContain('Bash');
    const texts = ofType(run, 'assistant').flatMap((e) => e.message.content).filter((b: any) => b.type === 'text');
    expect(texts.map((b: any) => b.text)).toEqual(['hi from the script']);
    const result = resultOf(run);
    expect(result).toMatchObject({ subtype: 'success', is_error: false, result: 'hi from the script', num_turns: 1, session_id: init.session_id });
    expect(result.usage).toMatchObject({ input_tokens: 123, output_tokens: 45, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(result.modelUsage[MODEL]).toMatchObject({ inputTokens: 123, outputTokens: 45 });
    expect(result.total_cost_usd).toBeGreaterThan(0);
    expect(result.total_cost_usd).toBeCloseTo(result.modelUsage[MODEL].costUSD, 10);
    expect(typeof result.duration_ms).toBe('number');

    const [req] = api!.messages();
    expect(req).toMatchObject({ model: MODEL, stream: true, lastUserText: 'say hi please', ruleIndex: 0, status: 200 });
    expect(req!.toolNames).toContain('Bash');
    expect(req!.headers['user-agent']).toMatch(/^claude-cli\/2\.1\.332/);
    expect(api!.requests.map((r) => r.kind)).toEqual(['messages']); // the offline env: nothing but the Messages call
  });

  it('gets a 200 for the HEAD /api/hello probe claude sends when nonessential traffic is on', async () => {
    const run = await runAgainst([], baseArgs('hi'), { env: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '' } });
    expect(run.exitCode, run.stderr).toBe(0);
    const probe = api!.requests.find((r) => r.path === '/api/hello');
    expect(probe).toMatchObject({ method: 'HEAD', kind: 'probe', status: 200 });
  });

  it("ends the default model's requests with a system-role message, and still matches the last user text", async () => {
    const run = await runAgainst([{ lastUserText: 'what now', reply: { text: 'this' } }], ['-p', 'what now?', '--output-format', 'stream-json', '--verbose']);
    expect(run.exitCode, run.stderr).toBe(0);
    const [req] = api!.messages();
    const roles = (req!.body as any).messages.map((m: any) => m.role);
    expect(roles.at(-1)).toBe('system');
    expect(roles.at(-2)).toBe('user');
    expect(req).toMatchObject({ lastUserText: 'what now?', ruleIndex: 0 });
  });

  it('streams partial messages as stream_event text deltas with --include-partial-messages', async () => {
    const text = 'a scripted reply that arrives in several deltas';
    const run = await runAgainst([{ reply: { text } }], [...baseArgs('hi'), '--include-partial-messages']);
    expect(run.exitCode, run.stderr).toBe(0);
    const deltas = ofType(run, 'stream_event')
      .map((e) => e.event)
      .filter((ev) => ev.type === 'content_block_delta' && ev.delta.type === 'text_delta')
      .map((ev) => ev.delta.text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(text);
  });

  it('runs a granted Bash tool in the repo and sends its output back as the tool_result the next reply quotes', async () => {
    const repo = await initRepo();
    const sha = await commitFiles(repo, { 'README.md': 'x\n' });
    const run = await runAgainst(
      [
        { hasToolResult: false, toolOffered: 'Bash', reply: { toolUse: { name: 'Bash', input: { command: 'git rev-parse HEAD', description: 'Print HEAD' } } } },
        { hasToolResult: true, reply: (ctx) => ({ text: `HEAD is ${ctx.lastToolResult.trim()}` }) },
      ],
      [...baseArgs('what is the HEAD sha?'), '--allowedTools', 'Bash'],
      { cwd: repo },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const [first, second] = await api!.waitForRequests(2, 1000);
    expect(first!.ruleIndex).toBe(0);
    expect(second).toMatchObject({ ruleIndex: 1, hasToolResult: true, lastUserText: sha });
    const toolResult = (second!.body as any).messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).find((b: any) => b.type === 'tool_result');
    expect(toolResult).toMatchObject({ tool_use_id: 'toolu_scripted_1', is_error: false });
    const toolUses = ofType(run, 'assistant').flatMap((e) => e.message.content).filter((b: any) => b.type === 'tool_use');
    expect(toolUses).toEqual([{ type: 'tool_use', id: 'toolu_scripted_1', name: 'Bash', input: { command: 'git rev-parse HEAD', description: 'Print HEAD' } }]);
    const result = resultOf(run);
    expect(result).toMatchObject({ is_error: false, result: `HEAD is ${sha}`, num_turns: 2 });
    expect(result.usage).toMatchObject({ input_tokens: 200, output_tokens: 40 }); // two replies at the default usage
  });

  it('refuses an ungranted Bash call headless: nothing runs, the next request carries an error tool_result', async () => {
    const cwd = tempDir();
    const run = await runAgainst(
      [
        { hasToolResult: false, reply: { toolUse: { name: 'Bash', input: { command: 'touch created-by-claude', description: 'x' } } } },
        { hasToolResult: true, reply: (ctx) => ({ text: `tool said: ${ctx.lastToolResult}` }) },
      ],
      baseArgs('do it'),
      { cwd },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'created-by-claude'))).toBe(false);
    expect(resultOf(run).permission_denials.map((d: any) => d.tool_name)).toEqual(['Bash']);
    const second = api!.messages()[1]!;
    expect(second.lastToolResult).toContain('needs approval');
    const toolResult = (second.body as any).messages.at(-1).content.find((b: any) => b.type === 'tool_result');
    expect(toolResult.is_error).toBe(true);
  });

  it('refuses --permission-mode bypassPermissions as root before any API call (and runs it as any other uid)', async () => {
    const run = await runAgainst([], [...baseArgs('hi'), '--permission-mode', 'bypassPermissions']);
    if (process.getuid?.() === 0) {
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('--dangerously-skip-permissions cannot be used with root/sudo privileges');
      expect(api!.requests).toEqual([]);
    } else {
      expect(run.exitCode, run.stderr).toBe(0);
    }
  });

  const apiErrors = [
    { status: 500, type: 'api_error', message: 'scripted internal failure', shows: 'API Error: 500 scripted internal failure' },
    { status: 529, type: 'overloaded_error', message: 'scripted overload', shows: 'API Error: 529 scripted overload' },
    { status: 401, type: 'authentication_error', message: 'scripted bad key', shows: 'Failed to authenticate. API Error: 401 scripted bad key' },
  ];
  for (const e of apiErrors) {
    it(`ends with exit 1 and "${e.shows}" in the result when the API answers ${e.status}, after one request`, async () => {
      const run = await runAgainst([{ reply: { error: { status: e.status, type: e.type, message: e.message } } }], baseArgs('hi'));
      expect(run.exitCode).toBe(1);
      const result = resultOf(run);
      // The message is in result.result (and a synthetic assistant text block); subtype stays "success".
      expect(result).toMatchObject({ is_error: true, api_error_status: e.status, terminal_reason: 'api_error' });
      expect(result.result).toContain(e.shows);
      const synthetic = ofType(run, 'assistant').at(-1);
      expect(synthetic.message.model).toBe('<synthetic>');
      expect(synthetic.message.content[0].text).toBe(result.result);
      expect(api!.messages()).toHaveLength(1); // CLAUDE_CODE_MAX_RETRIES=0
      expect(run.durationMs).toBeLessThan(20_000);
    });
  }

  it('retries a 500 when CLAUDE_CODE_MAX_RETRIES allows one, and then succeeds', async () => {
    const run = await runAgainst(
      [{ times: 1, reply: { error: { status: 500, type: 'api_error', message: 'blip' } } }, { reply: { text: 'recovered' } }],
      baseArgs('hi'),
      { env: { CLAUDE_CODE_MAX_RETRIES: '1' } },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ is_error: false, result: 'recovered' });
    expect(api!.messages().map((r) => r.status)).toEqual([500, 200]);
  });

  it('ends with exit 1 and a connection-refused result when nothing listens at the base URL', async () => {
    const closed = await startScriptedApi([]);
    await closed.close();
    const env = claudeOfflineEnv({ apiUrl: closed.url, home: tempDir('hive-claude-home-') });
    const run = await runClaudeCli(baseArgs('hi'), { cwd: tempDir(), env });
    expect(run.exitCode).toBe(1);
    const result = resultOf(run);
    expect(result).toMatchObject({ is_error: true, api_error_status: null, terminal_reason: 'api_error' });
    expect(result.result).toContain('Connection refused');
    expect(result.result).toContain('ECONNREFUSED');
    expect(closed.requests).toEqual([]);
    expect(run.durationMs).toBeLessThan(20_000);
  });
});
