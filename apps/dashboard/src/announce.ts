import type { HiveEvent } from '@hive/protocol';
import { oneLine } from './usage-format.js';

/** What the operator is told about a live event beyond the history list: a toast, and for a question maybe a notification. */
export interface Announcement {
  kind: 'ask' | 'err';
  text: string;
  /** Set for a new question: what a browser notification would carry. */
  question?: { id: number; agent: string; text: string };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The toast for a new question (`hm1nd asks: …`, one line) or a spent budget (an error naming the agent); null for every other event. */
export function announcement(e: Pick<HiveEvent, 'type' | 'agent' | 'data'>): Announcement | null {
  const d = e.data as Record<string, unknown>;
  const agent = e.agent ?? (str(d['agent']) || 'an agent');
  if (e.type === 'QuestionAsked') {
    const text = oneLine(str(d['question']));
    const id = typeof d['id'] === 'number' ? d['id'] : 0;
    return { kind: 'ask', text: `${agent} asks: ${text}`, question: { id, agent, text: oneLine(str(d['question']), 200) } };
  }
  if (e.type === 'BudgetExceeded') {
    const why = oneLine(str(d['error']), 160);
    return { kind: 'err', text: `${agent} stopped: ${why || 'its daily budget is spent'}` };
  }
  return null;
}
