import { parseHiveEvent, type HiveEvent } from '@hive/protocol';
import { agentOf } from './format.js';
import { oneLine } from './usage-format.js';

/** What the operator is told about a live event beyond the history list: a toast, and for a question maybe a notification. */
export interface Announcement {
  kind: 'ask' | 'err';
  text: string;
  /** Set for a new question: what a browser notification would carry. */
  question?: { id: number; agent: string; text: string };
}

/** The toast for a new question (`hm1nd asks: …`, one line), a spent budget or a failed health check (errors naming the agent); null for every other event. */
export function announcement(e: HiveEvent): Announcement | null {
  const t = parseHiveEvent(e);
  if (t?.type === 'QuestionAsked') {
    const agent = agentOf(t);
    return { kind: 'ask', text: `${agent} asks: ${oneLine(t.data.question)}`, question: { id: t.data.id, agent, text: oneLine(t.data.question, 200) } };
  }
  if (t?.type === 'HealthChecked' && !t.data.ok) {
    return { kind: 'err', text: `${agentOf(t)} failed its health check${t.data.failed ? `: ${oneLine(t.data.failed, 160)}` : ''} — reverted` };
  }
  if (t?.type === 'BudgetExceeded') {
    const why = oneLine(t.data.error, 160);
    return { kind: 'err', text: `${agentOf(t)} stopped: ${why || 'its daily budget is spent'}` };
  }
  return null;
}
