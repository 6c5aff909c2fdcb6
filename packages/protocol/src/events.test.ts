import { describe, expect, expectTypeOf, it } from 'vitest';
import { EventData, EventFrame, EventType, HiveEvent, TypedHiveEvent, parseHiveEvent, type HiveEventOf } from './index.js';

const at = (type: string, data: Record<string, unknown>, agent: string | null = 'coder') => ({ id: 7, ts: '2026-12-01T21:00:00.000Z', type, agent, data });

// One `data` per type, as the daemon's emitters write it today (file of the emit call beside each).
const emitted: Record<EventType, Record<string, unknown>> = {
  Spawned: { agent: 'coder', port: 8202 }, // core/lifecycle.ts
  Destroyed: { agent: 'coder', purge: false },
  Rebuilt: { agent: 'coder', ok: false, terminal_tag: 'failed/3', error: 'error: build failed\nmore' }, // core/pipeline.ts
  ApprovalQueued: { id: 3, agent: 'coder', kind: 'apply', sha: '0123456789abcdef0123456789abcdef01234567' }, // core/approvals.ts
  ApprovalBuilding: { id: 3, agent: 'coder' },
  ApprovalResolved: { id: 3, agent: 'coder', status: 'deployed', terminal_tag: 'deployed/3', note: null, recovered: true }, // core/recovery.ts
  container_crash: { agent: 'coder', code: null, signal: 'SIGKILL', tail: 'last words' }, // core/hive.ts
  AgentStatus: { agent: 'coder', status: 'stopped', error: 'port 8202 is taken' },
  PortConflict: { port: 8545, agents: ['agao', 'aghx'] },
  QuestionAsked: { id: 1, agent: 'coder', question: 'which branch?' },
  QuestionAnswered: { id: 1, agent: 'coder', answer: 'main' },
  Message: { id: 4, from: 'hm1nd', to: 'coder', text: 'hello' },
  BudgetExceeded: { agent: 'coder', error: 'daily budget reached' }, // core/usage.ts
  AgentActivity: { agent: 'coder', activity: 'working', model: 'opus' },
  TurnRecorded: { agent: 'coder', turn: 2, ok: true, cost_usd: 0.0125 },
  RolledBack: { id: 9, agent: 'coder', to: 'deployed/3', from: 'deployed/5', sha: '0123456789abcdef0123456789abcdef01234567', auto: false }, // core/rollback.ts
  HealthChecked: { agent: 'coder', ok: false, approval_id: 5, failed: 'mcp fs: spawn nope ENOENT' }, // core/health.ts
  Frozen: { reason: 'incident 42' }, // core/freeze.ts
  Thawed: {},
};

describe('TypedHiveEvent', () => {
  it('has one data schema for every event type, and no other', () => {
    expect(Object.keys(EventData).sort()).toEqual([...EventType.options].sort());
  });

  it.each(EventType.options)("parses %s as its emitter writes it, and the plain HiveEvent envelope still does", (type) => {
    const e = at(type, emitted[type]);
    expect(TypedHiveEvent.parse(e)).toEqual(e);
    expect(HiveEvent.parse(e)).toEqual(e);
    expect(EventFrame.parse({ kind: 'event', event: e }).kind).toBe('event');
  });

  it.each([
    ['Rebuilt without ok', 'Rebuilt', { agent: 'coder', terminal_tag: null }],
    ['ApprovalResolved naming its approval approval_id', 'ApprovalResolved', { approval_id: 3, agent: 'coder', status: 'failed', terminal_tag: 'failed/3', note: 'x' }],
    ['ApprovalResolved with a non-terminal status', 'ApprovalResolved', { id: 3, agent: 'coder', status: 'pending', terminal_tag: null, note: null }],
    ['Spawned with a port out of range', 'Spawned', { agent: 'coder', port: 70000 }],
    ['AgentActivity with an activity the dashboard does not know', 'AgentActivity', { agent: 'coder', activity: 'sleeping' }],
    ['a field its type does not declare', 'Destroyed', { agent: 'coder', purge: true, reason: 'x' }],
    ["another type's fields", 'QuestionAsked', emitted.Message],
  ])('refuses %s', (_what, type, data) => {
    expect(TypedHiveEvent.safeParse(at(type, data)).success).toBe(false);
    expect(parseHiveEvent(at(type, data))).toBeNull();
  });

  it('refuses an unknown type', () => {
    expect(parseHiveEvent(at('Exploded', { agent: 'coder' }))).toBeNull();
  });

  it('narrows data by type: a switch on type reads the fields without casts', () => {
    const e = parseHiveEvent(at('ApprovalResolved', emitted.ApprovalResolved));
    expect(e?.type).toBe('ApprovalResolved');
    if (e?.type !== 'ApprovalResolved') return;
    expectTypeOf(e.data.id).toEqualTypeOf<number>();
    expectTypeOf(e.data.status).toEqualTypeOf<'deployed' | 'failed' | 'denied'>();
    expectTypeOf(e).toEqualTypeOf<HiveEventOf<'ApprovalResolved'>>();
    // Every typed event is still a HiveEvent, so code taking the envelope keeps working.
    expectTypeOf<TypedHiveEvent>().toExtend<HiveEvent>();
    expect(e.data.terminal_tag).toBe('deployed/3');
  });
});
