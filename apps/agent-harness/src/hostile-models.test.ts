import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree } from '@hive/testkit';
import { argOf, claudeRuns, harnessEnv, startHarness, waitFor, type RunningHarness, daemonFetch } from './test-support/harness-process.js';

/** The repo's hostile-input corpus; `{repeat, times}` stands for a string too big to write in the file. */
const corpusFile = fileURLToPath(new URL('../../../test-data/hostile-inputs.json', import.meta.url));
type Entry = { value: string | { repeat: string; times: number }; why: string };
const corpus = JSON.parse(readFileSync(corpusFile, 'utf8')) as { models: Entry[]; origins: { value: string; why: string }[] };
const models = corpus.models.map((m) => ({ value: typeof m.value === 'string' ? m.value : m.value.repeat.repeat(m.value.times), why: m.why }));

describe('harness POST /api/model against the hostile-model corpus (a real harness process)', () => {
  let h: RunningHarness;
  beforeAll(async () => {
    h = await startHarness(harnessEnv({ HIVE_MODEL: 'sonnet' }));
  });
  afterAll(async () => {
    await h?.stop();
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

  it('the next turn still runs claude with the configured model: no hostile value reached its argv', async () => {
    const res = await daemonFetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'which model?' }) });
    expect(res.status).toBe(202);
    const run = await waitFor(() => claudeRuns(h.claudeLog)[0], 'a claude run');
    expect(argOf(run, '--model')).toBe('sonnet');
    expect(run.filter((a) => a === '--model')).toHaveLength(1);
    // Legitimate argv words (`-p` is claude's print flag) aside, no hostile value shows up anywhere.
    const own = new Set(['-p']);
    for (const m of models) if (m.value.trim() && !own.has(m.value)) expect(run.some((a) => a.includes(m.value)), m.why).toBe(false);
  });
});
