import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { parseStreamLine, type ResultEvent } from './stream-json.js';
import { UsageLog, budgetLine, formatUsageLine, usageRecordOf } from './usage.js';

const resultLine = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  result: 'hi',
  total_cost_usd: 0.01234,
  usage: { input_tokens: 1234, output_tokens: 340, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500 },
  modelUsage: { 'claude-sonnet-4-5': { inputTokens: 1234, outputTokens: 340, costUSD: 0.01234 } },
  num_turns: 2,
  duration_ms: 1500,
});
const result = parseStreamLine(resultLine)[0] as ResultEvent;

describe('usage records', () => {
  it('takes cost, tokens, turns, duration and modelUsage from the result event', () => {
    const r = usageRecordOf({ turn: 3, ok: true, model: 'sonnet', result, now: new Date('2026-03-01T10:00:00Z') });
    expect(r).toEqual({
      turn: 3,
      ts: '2026-03-01T10:00:00.000Z',
      ok: true,
      model: 'sonnet',
      cost_usd: 0.01234,
      input_tokens: 1234,
      output_tokens: 340,
      cache_read_input_tokens: 2000,
      cache_creation_input_tokens: 500,
      num_turns: 2,
      duration_ms: 1500,
      model_usage: { 'claude-sonnet-4-5': { inputTokens: 1234, outputTokens: 340, costUSD: 0.01234 } },
    });
  });

  it('a run without a result costs zero', () => {
    expect(usageRecordOf({ turn: 1, ok: false, model: 'opus', result: null })).toMatchObject({ ok: false, cost_usd: 0, input_tokens: 0, output_tokens: 0, num_turns: 0, model_usage: {} });
  });

  it('formats the line under a turn as cost and tokens in / out, with cached input apart', () => {
    const r = usageRecordOf({ turn: 1, ok: true, model: 'sonnet', result });
    expect(formatUsageLine(r)).toBe('$0.0123 · 1.2k in / 340 out · 2.5k cached');
    expect(formatUsageLine({ ...r, cost_usd: 12.5, input_tokens: 2_500_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 })).toBe('$12.50 · 2.5M in / 340 out');
  });

  it('words the budget line with the cap, the spend and the fix', () => {
    expect(budgetLine(0.5, 0.5123)).toBe('daily budget of $0.5000 reached ($0.5123 spent today): turn not run — raise hive.budgetUsd or wait until 00:00 UTC');
  });
});

describe('UsageLog', () => {
  it('appends one JSON line per turn (mode 0600) and reloads them after a restart', () => {
    const dir = tempDir('hive-usage-');
    const log = new UsageLog(dir);
    log.append(usageRecordOf({ turn: 1, ok: true, model: 'sonnet', result }));
    log.append(usageRecordOf({ turn: 2, ok: false, model: 'sonnet', result: null }));
    const file = path.join(dir, 'usage.jsonl');
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new UsageLog(dir);
    expect(again.total()).toEqual({ cost_usd: 0.01234, input_tokens: 1234, output_tokens: 340, turns: 2 });
    expect(again.ofTurn(1)?.cost_usd).toBe(0.01234);
  });

  it('sums today by the UTC day, so yesterday\'s spend does not count against today', () => {
    const dir = tempDir('hive-usage-');
    const log = new UsageLog(dir);
    log.append(usageRecordOf({ turn: 1, ok: true, model: 'sonnet', result, now: new Date('2026-03-01T23:59:59Z') }));
    log.append(usageRecordOf({ turn: 2, ok: true, model: 'sonnet', result, now: new Date('2026-03-02T00:00:01Z') }));
    log.append(usageRecordOf({ turn: 3, ok: true, model: 'sonnet', result, now: new Date('2026-03-02T12:00:00Z') }));
    expect(log.today(new Date('2026-03-02T18:00:00Z'))).toEqual({ cost_usd: 0.02468, input_tokens: 2468, output_tokens: 680, turns: 2 });
    expect(log.today(new Date('2026-03-03T00:00:00Z')).turns).toBe(0);
  });

  it('skips a torn last line instead of failing the start', async () => {
    const dir = tempDir('hive-usage-');
    new UsageLog(dir).append(usageRecordOf({ turn: 1, ok: true, model: 'sonnet', result }));
    const { appendFileSync } = await import('node:fs');
    appendFileSync(path.join(dir, 'usage.jsonl'), '{"turn":2,"ts":"2026');
    expect(new UsageLog(dir).total().turns).toBe(1);
  });
});
