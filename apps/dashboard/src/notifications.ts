/**
 * Browser notifications for agents' questions, only where the operator asked for them:
 * the choice is kept in localStorage, and one fires only while permission is granted
 * and the page is hidden (a visible page has the toast already).
 */

/** `on`/`off`: the operator's choice; `blocked`: the browser refused permission; `unsupported`: no Notification API. */
export type NotifyState = 'on' | 'off' | 'blocked' | 'unsupported';

/** The browser, as far as notifications go; tests pass a stand-in. */
export interface NotifyEnv {
  /** `Notification.permission`, or `unsupported` without the API. */
  permission(): NotificationPermission | 'unsupported';
  requestPermission(): Promise<NotificationPermission>;
  hidden(): boolean;
  load(): string | null;
  save(value: string): void;
  show(title: string, o: { body: string; tag: string }): void;
}

const KEY = 'hive.notify';

/** The real browser's. */
export const browserNotifyEnv: NotifyEnv = {
  permission: () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission),
  requestPermission: () => Notification.requestPermission(),
  hidden: () => document.visibilityState === 'hidden',
  load: () => {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null; // storage disabled: nothing remembered
    }
  },
  save: (v) => {
    try {
      localStorage.setItem(KEY, v);
    } catch {
      /* storage disabled: the choice lasts this page only */
    }
  },
  show: (title, o) => {
    let n: Notification;
    try {
      n = new Notification(title, o);
    } catch (e) {
      // Some browsers (Chrome on Android) allow notifications only from a service worker: the toast has to do.
      console.warn('hive: cannot show a notification', e);
      return;
    }
    n.onclick = () => {
      window.focus();
      n.close();
    };
  },
};

/** What the toggle shows at load: the remembered choice, unless the browser has since refused. */
export function notifyState(env: NotifyEnv = browserNotifyEnv): NotifyState {
  const p = env.permission();
  if (p === 'unsupported') return 'unsupported';
  if (p === 'denied') return 'blocked';
  return env.load() === 'on' && p === 'granted' ? 'on' : 'off';
}

/** A click on the toggle: turning on asks the browser (this must run in the click's handler); turning off only forgets. */
export async function toggleNotify(current: NotifyState, env: NotifyEnv = browserNotifyEnv): Promise<NotifyState> {
  if (current === 'unsupported') return current;
  if (current === 'on') {
    env.save('off');
    return 'off';
  }
  // Asked even when already granted: it answers at once then, and the browser stays the one source of truth.
  const p = await env.requestPermission();
  const next: NotifyState = p === 'granted' ? 'on' : p === 'denied' ? 'blocked' : 'off';
  env.save(next === 'on' ? 'on' : 'off');
  return next;
}

/** Shows a notification for a new question when the operator allowed it, the browser grants it and the page is hidden; true when one was shown. */
export function notifyQuestion(state: NotifyState, q: { id: number; agent: string; text: string }, env: NotifyEnv = browserNotifyEnv): boolean {
  if (state !== 'on' || env.permission() !== 'granted' || !env.hidden()) return false;
  // One tag per question: a replayed event replaces the notification instead of stacking a second.
  env.show(`${q.agent} asks`, { body: q.text, tag: `hive-question-${q.id}` });
  return true;
}
