import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import type { EventDataOf, TypedHiveEvent } from '@hive/protocol';
import { Store } from '../store.js';
import { EventBus } from './event-bus.js';
import { describeEvent } from './inbox.js';

let store: Store | undefined;
afterEach(() => store?.close());
const open = () => (store = new Store(path.join(tempDir('hive-bus-'), 'hive.db')));

describe('EventBus.emit', () => {
  it('persists a well-formed event and hands listeners the same typed event', () => {
    const bus = new EventBus(open());
    const heard: TypedHiveEvent[] = [];
    bus.subscribe((e) => heard.push(e));
    const e = bus.emit('Rebuilt', 'iris', { agent: 'iris', ok: false, terminal_tag: 'failed/3', error: 'build failed' });
    expect(heard).toEqual([e]);
    expect(store!.listEvents()).toEqual([e]);
  });

  it('throws naming the type and the field when an emitter drifts, and persists nothing', () => {
    const bus = new EventBus(open());
    const heard: TypedHiveEvent[] = [];
    bus.subscribe((e) => heard.push(e));
    // A drifted emitter, as a caller without the types (or with a cast) would write it.
    const drifted = { agent: 'iris', approval_id: 3, ok: true, terminal_tag: null } as unknown as EventDataOf<'Rebuilt'>;
    expect(() => bus.emit('Rebuilt', 'iris', drifted)).toThrow(/^event Rebuilt: data\.\(root\): .*approval_id/);
    const wrongType = { agent: 'iris', turn: 1, ok: true, cost_usd: '0.1' } as unknown as EventDataOf<'TurnRecorded'>;
    expect(() => bus.emit('TurnRecorded', 'iris', wrongType)).toThrow(/^event TurnRecorded: data\.cost_usd: /);
    expect(store!.listEvents()).toEqual([]);
    expect(heard).toEqual([]);
  });
});

describe('Store.listEvents', () => {
  it('returns a row an older daemon wrote with other fields as the plain envelope, not dropped', () => {
    const s = open();
    s.db.prepare('INSERT INTO events (ts, type, agent, data) VALUES (?, ?, ?, ?)').run('2026-01-01T00:00:00Z', 'ApprovalResolved', 'iris', JSON.stringify({ approval_id: 7, status: 'deployed' }));
    const bus = new EventBus(s);
    const typed = bus.emit('Spawned', 'iris', { agent: 'iris', port: 8101 });
    expect(s.listEvents()).toEqual([typed, { id: 1, ts: '2026-01-01T00:00:00Z', type: 'ApprovalResolved', agent: 'iris', data: { approval_id: 7, status: 'deployed' } }]);
  });
});

describe('inbox describeEvent', () => {
  const ev = <E extends TypedHiveEvent>(e: Omit<E, 'id' | 'ts'>): E => ({ id: 1, ts: 't', ...e }) as E;
  it('writes the lines the manager prompt quotes', () => {
    expect(describeEvent(ev({ type: 'ApprovalResolved', agent: 'iris', data: { id: 4, agent: 'iris', status: 'deployed', terminal_tag: 'deployed/4', note: null } }))).toBe(
      'ApprovalResolved: approval 4 for iris is deployed (deployed/4)',
    );
    expect(describeEvent(ev({ type: 'ApprovalResolved', agent: 'iris', data: { id: 5, agent: 'iris', status: 'denied', terminal_tag: null, note: 'too wide\nsecond line' } }))).toBe(
      'ApprovalResolved: approval 5 for iris is denied — too wide',
    );
    expect(describeEvent(ev({ type: 'Rebuilt', agent: 'iris', data: { agent: 'iris', ok: true, terminal_tag: null } }))).toBe('Rebuilt: iris ok');
    expect(describeEvent(ev({ type: 'Rebuilt', agent: 'iris', data: { agent: 'iris', ok: false, terminal_tag: 'failed/6', error: 'nix build\nmore' } }))).toBe(
      'Rebuilt: iris FAILED (failed/6) — nix build',
    );
    expect(describeEvent(ev({ type: 'container_crash', agent: 'iris', data: { agent: 'iris', code: 1, signal: null, tail: '' } }))).toBe(
      'container_crash: iris exited unexpectedly (code 1, signal -)',
    );
    expect(describeEvent(ev({ type: 'Spawned', agent: 'iris', data: { agent: 'iris', port: 8101 } }))).toBe('Spawned: {"agent":"iris","port":8101}');
  });
});
