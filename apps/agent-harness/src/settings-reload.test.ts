import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startScriptedApi, tempDir, type ScriptedApi } from '@hive/testkit';
import { daemonAuth, daemonFetch, harnessEnv, startHarness, waitFor, type RunningHarness } from './test-support/harness-process.js';

let api: ScriptedApi | undefined;
let h: RunningHarness | undefined;
afterEach(async () => {
  await h?.stop();
  await api?.close();
  h = api = undefined;
});

/** What the runtime does: the new env, renamed into the read-only drop in one step, then SIGUSR2 to the harness. */
function drop(h: RunningHarness, dir: string, generation: string, env: Record<string, string>): void {
  const tmp = path.join(dir, `.settings.${generation}.tmp`);
  writeFileSync(tmp, JSON.stringify({ generation, env }));
  renameSync(tmp, path.join(dir, 'settings.json'));
  h.proc.kill('SIGUSR2');
}

const health = async (h: RunningHarness) => (await (await fetch(`${h.url}/api/health`)).json()) as { settings: string | null };
const state = async (h: RunningHarness) => (await (await daemonFetch(`${h.url}/api/state`)).json()) as { model: string; default_model: string };

describe('settings reload in place (the real harness)', () => {
  it('applies a new model and MCP servers for the next turn, keeps the page socket, and reports the generation', async () => {
    api = await startScriptedApi({ rules: [{ lastUserText: 'slow', reply: { toolUse: { name: 'Bash', input: { command: 'timeout 2 tail -f /dev/null', description: 'wait' } } }, times: 1 }] });
    const reload = tempDir('hive-reload-');
    const env = harnessEnv(api.url, { HIVE_MODEL: 'claude-sonnet-4-5', HIVE_RELOAD_DIR: reload });
    h = await startHarness(env);
    expect((await health(h)).settings).toBeNull();
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { headers: daemonAuth });
    await new Promise((r) => ws.once('open', r));
    let closed = false;
    ws.on('close', () => (closed = true));

    // A turn under way when the reload lands finishes as it began.
    await daemonFetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'slow job' }) });
    await api.waitForRequests(1, 30_000);
    drop(h, reload, 'gen-1', { ...env, HIVE_MODEL: 'claude-haiku-4-5', HIVE_MCP_SERVERS: JSON.stringify({ notes: { command: 'notes-mcp' } }) });
    await waitFor(async () => (await health(h!)).settings === 'gen-1', 'the reload to be reported');
    expect(await state(h)).toMatchObject({ model: 'claude-haiku-4-5', default_model: 'claude-haiku-4-5' });
    const mcp = JSON.parse(readFileSync(path.join(h.stateDir, 'mcp-config.json'), 'utf8')) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(mcp.mcpServers).sort()).toEqual(['hive', 'notes']);

    // The next turn runs with the new model; the first one ran with the old.
    await daemonFetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'next' }) });
    const models = await waitFor(async () => {
      const m = api!.messages().map((r) => (r.body as { model?: string }).model);
      return m.includes('claude-haiku-4-5') ? m : null;
    }, 'a turn on the new model', 60_000);
    expect(models[0]).toBe('claude-sonnet-4-5');
    expect(closed).toBe(false);
    ws.close();
  }, 120_000);

  it('refuses a reload that would change what needs a restart, and keeps its settings', async () => {
    api = await startScriptedApi([]);
    const reload = tempDir('hive-reload-');
    mkdirSync(reload, { recursive: true });
    const env = harnessEnv(api.url, { HIVE_MODEL: 'claude-sonnet-4-5', HIVE_RELOAD_DIR: reload });
    h = await startHarness(env);
    drop(h, reload, 'gen-x', { ...env, HIVE_TOKEN: 'another-token', HIVE_MODEL: 'claude-haiku-4-5' });
    await waitFor(() => /settings reload refused/.test(h!.output()), 'the refusal in the log');
    expect(h.output()).toMatch(/reload cannot change token/);
    expect((await health(h)).settings).toBeNull();
    expect((await state(h)).model).toBe('claude-sonnet-4-5');
  }, 60_000);
});
