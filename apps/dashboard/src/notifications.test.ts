import { describe, expect, it } from 'vitest';
import { notifyQuestion, notifyState, toggleNotify, type NotifyEnv } from './notifications.js';

/** A browser stand-in: permission, what the user answers when asked, visibility, storage, and the notifications shown. */
function fakeEnv(o: { permission?: NotificationPermission | 'unsupported'; answer?: NotificationPermission; hidden?: boolean; stored?: string | null } = {}) {
  let permission = o.permission ?? 'default';
  let stored = o.stored ?? null;
  const shown: { title: string; body: string; tag: string }[] = [];
  let asked = 0;
  const env: NotifyEnv = {
    permission: () => permission,
    requestPermission: async () => {
      asked++;
      permission = o.answer ?? 'granted';
      return permission;
    },
    hidden: () => o.hidden ?? true,
    load: () => stored,
    save: (v) => (stored = v),
    show: (title, n) => shown.push({ title, ...n }),
  };
  return { env, shown, asked: () => asked, stored: () => stored };
}

describe('the notify me toggle', () => {
  it('asks the browser on the first click and remembers the choice', async () => {
    const f = fakeEnv();
    expect(notifyState(f.env)).toBe('off');
    expect(await toggleNotify('off', f.env)).toBe('on');
    expect(f.asked()).toBe(1);
    expect(f.stored()).toBe('on');
    expect(notifyState(f.env)).toBe('on');
  });
  it('shows blocked when the browser refuses, and stores off', async () => {
    const f = fakeEnv({ answer: 'denied' });
    expect(await toggleNotify('off', f.env)).toBe('blocked');
    expect(f.stored()).toBe('off');
    expect(notifyState(f.env)).toBe('blocked');
  });
  it('turns off without asking anything', async () => {
    const f = fakeEnv({ permission: 'granted', stored: 'on' });
    expect(await toggleNotify('on', f.env)).toBe('off');
    expect(f.asked()).toBe(0);
    expect(notifyState(f.env)).toBe('off');
  });
  it('is not offered without the Notification API', () => {
    expect(notifyState(fakeEnv({ permission: 'unsupported', stored: 'on' }).env)).toBe('unsupported');
  });
});

describe('notifyQuestion', () => {
  const q = { id: 4, agent: 'hm1nd', text: 'which branch?' };
  it('fires when allowed, granted and the page is hidden', () => {
    const f = fakeEnv({ permission: 'granted', hidden: true });
    expect(notifyQuestion('on', q, f.env)).toBe(true);
    expect(f.shown).toEqual([{ title: 'hm1nd asks', body: 'which branch?', tag: 'hive-question-4' }]);
  });
  it('stays quiet while the page is visible, when off, or without permission', () => {
    const visible = fakeEnv({ permission: 'granted', hidden: false });
    const revoked = fakeEnv({ permission: 'default', hidden: true });
    const off = fakeEnv({ permission: 'granted', hidden: true });
    expect([notifyQuestion('on', q, visible.env), notifyQuestion('on', q, revoked.env), notifyQuestion('off', q, off.env)]).toEqual([false, false, false]);
    expect([...visible.shown, ...revoked.shown, ...off.shown]).toEqual([]);
  });
});
