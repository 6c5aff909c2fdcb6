/** The DOM events components send up to <hive-app>, declared once so listeners and emitters share the types. */
export interface UiEventDetails {
  'spawn-requested': { name: string };
  'rebuild-requested': { name: string };
  'destroy-requested': { name: string; purge: boolean };
  'approve-requested': { id: number };
  'deny-requested': { id: number; reason: string };
  /** Deploy `to`'s tree again for `agent` (a rollback). */
  'rollback-requested': { agent: string; to: string };
  'freeze-requested': { reason: string };
  'thaw-requested': Record<string, never>;
  'answer-requested': { id: number; answer: string };
  'toast-dismissed': { id: number };
  'login-requested': { token: string };
  /** The questions panel's `notify me` toggle was clicked. */
  'notify-toggle-requested': Record<string, never>;
}
export type UiEventName = keyof UiEventDetails;

declare global {
  interface HTMLElementEventMap {
    'spawn-requested': CustomEvent<UiEventDetails['spawn-requested']>;
    'rebuild-requested': CustomEvent<UiEventDetails['rebuild-requested']>;
    'destroy-requested': CustomEvent<UiEventDetails['destroy-requested']>;
    'approve-requested': CustomEvent<UiEventDetails['approve-requested']>;
    'deny-requested': CustomEvent<UiEventDetails['deny-requested']>;
    'rollback-requested': CustomEvent<UiEventDetails['rollback-requested']>;
    'freeze-requested': CustomEvent<UiEventDetails['freeze-requested']>;
    'thaw-requested': CustomEvent<UiEventDetails['thaw-requested']>;
    'answer-requested': CustomEvent<UiEventDetails['answer-requested']>;
    'toast-dismissed': CustomEvent<UiEventDetails['toast-dismissed']>;
    'login-requested': CustomEvent<UiEventDetails['login-requested']>;
    'notify-toggle-requested': CustomEvent<UiEventDetails['notify-toggle-requested']>;
  }
}

/** Dispatches a typed, bubbling, composed event so it crosses shadow roots up to the app. */
export function emit<K extends UiEventName>(from: EventTarget, type: K, detail: UiEventDetails[K]): void {
  from.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
