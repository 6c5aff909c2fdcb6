import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree, startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { harnessEnv, startHarness, waitFor, type RunningHarness, daemonFetch } from './test-support/harness-process.js';

/** The repo's hostile-input corpus; `{repeat, times}` stands for a string too big to write in the file. */
const corpusFile = fileURLToPath(new URL('../../../test-data/hostile-inputs.json', import.meta.url));
type Entry = { value: string | { repeat: string; times: number }; why: string };
const corpus = JSON.parse(readFileSync(corpusFile, 'utf8')) as { models: Entry[]; origins: { value: string; why: string }[] };
const models = corpus.models.map((m) => ({ value: typeof m.value === 'string' ? m.value : m.value.repeat.repeat(m.value.times), why: m.why }));

describe('harness POST /api/model against the hostile-model corpus (a real harness process)', () => {
  let h: RunningHarness;
  let api: ScriptedApi;
  beforeAll(async () => {
    api = await startScriptedApi([{ lastUserText: 'which model?', reply: { text: 'the configured one' } }]);
    h = await startHarness(harnessEnv(api.url, { HIVE_MODEL: 'sonnet' }));
  });
  afterAll(async () => {
    await h?.stop();
    await api?.close();
  });

  const post = (body: string, type: string, headers: Record<string, string> = {}) =>
    daemonFetch(`${h.url}/api/model`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });

  async function expectBadModel(res: Response, what: string) {
    const text = await res.text();
    expect(res.status, `${what}: ${text.slice(0, 200)}`).toBe(400);
    const body = JSON.parse(text) as { error: string };
    expect(body.error, what).toMatch(/^invalid model: /);
    expect(body.error, what).not.toMatch(/[\r\n]/);
    expect(body.error.length, what).toBeLessThanOrEqual(300);
    expect(text, what).not.toMatch(/\n\s+at |\.(?:ts|js):\d+:\d+/);
  }

  it('refuses every hostile model, form-encoded and as JSON, with a one-line 400 and writes nothing', async () => {
    expect(models.length).toBeGreaterThan(10);
    expect(models.some((m) => m.value.length >= 1024)).toBe(true);
    const before = await snapshotTree(h.stateDir);
    for (const m of models) {
      await expectBadModel(await post(new URLSearchParams({ model: m.value }).toString(), 'application/x-www-form-urlencoded'), `form ${m.why}`);
      await expectBadModel(await post(JSON.stringify({ model: m.value }), 'application/json'), `json ${m.why}`);
    }
    for (const v of [5, null, ['opus'], { name: 'opus' }, true]) await expectBadModel(await post(JSON.stringify({ model: v }), 'application/json'), `json ${JSON.stringify(v)}`);
    expect(await snapshotTree(h.stateDir)).toEqual(before);
    expect(await (await daemonFetch(`${h.url}/api/state`)).json()).toMatchObject({ model: 'sonnet', default_model: 'sonnet' });
  });

  it('refuses a good model from a foreign Origin with 403', async () => {
    const before = await snapshotTree(h.stateDir);
    for (const o of corpus.origins.filter((x) => !x.value.includes('{host}'))) {
      const res = await post('model=opus', 'application/x-www-form-urlencoded', { origin: o.value });
      expect(res.status, o.why).toBe(403);
    }
    expect(await snapshotTree(h.stateDir)).toEqual(before);
  });

  it('the next turn still runs claude with the configured model: the API request names sonnet and nothing hostile', async () => {
    const res = await daemonFetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'which model?' }) });
    expect(res.status).toBe(202);
    const [req] = await waitFor(() => (api.messages().length ? api.messages() : null), 'the API request claude made', 60_000);
    // claude resolved `--model sonnet` to a sonnet model id: no hostile value took the flag's place or split it.
    expect(req!.model).toMatch(/^claude-[a-z0-9.-]*sonnet[a-z0-9.-]*$/);
    // The prompt is the chat text alone: no hostile value slipped into claude's argv as a prompt either.
    expect(req!.lastUserText).toBe('which model?');
    await waitFor(async () => !((await (await daemonFetch(`${h.url}/api/state`)).json()) as { busy: boolean }).busy, 'the turn to end', 60_000);
    const { entries } = (await (await daemonFetch(`${h.url}/api/history`)).json()) as { entries: { role: string; text: string }[] };
    expect(entries.filter((e) => e.role !== 'system').map((e) => [e.role, e.text])).toEqual([
      ['operator', 'which model?'],
      ['agent', 'the configured one'],
    ]);
    expect(await (await daemonFetch(`${h.url}/api/state`)).json()).toMatchObject({ model: 'sonnet' });
  });
});
