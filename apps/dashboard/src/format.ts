import type { Approval } from '@hive/protocol';

/** The sha the operator should trust: the daemon-fetched one, else the requested ref before the fetch. */
export function displaySha(a: Pick<Approval, 'fetched_sha' | 'commit_ref'>): string {
  return (a.fetched_sha ?? a.commit_ref).slice(0, 12);
}

/** `HH:MM:SS` of an ISO timestamp in local time; the raw text when it does not parse. */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toTimeString().slice(0, 8);
}

const cut = (line: string) => (line.length > 160 ? line.slice(0, 159) + '…' : line);

/** The last non-empty line, cut to 160 chars: enough to recognise a crash without flooding the list. */
function lastLine(text: string): string {
  return cut(text.trimEnd().split('\n').pop()?.trim() ?? '');
}

/** The first line that says something (nix puts a bare `error:` first sometimes), cut to 160 chars. */
function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  return cut(lines.find((l) => l && l !== 'error:') ?? '');
}

const s = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** One lowercase line for an event in the history, built from the fields its type carries. */
export function describeEvent(e: { type: string; agent: string | null; data: Record<string, unknown> }): string {
  const d = e.data;
  const who = e.agent ?? s(d.agent);
  const id = d.id ?? d.approval_id;
  switch (e.type) {
    case 'Spawned':
      return `spawned ${who}${d.port ? ` on port ${s(d.port)}` : ''}`;
    case 'Destroyed':
      return `destroyed ${who}${d.purge ? ' (purged)' : ''}`;
    case 'Rebuilt':
      return d.ok === false
        ? `rebuild of ${who} failed${d.error ? `: ${firstLine(s(d.error))}` : ''}`
        : `rebuilt ${who}${d.terminal_tag ? ` → ${s(d.terminal_tag)}` : ''}`;
    case 'ApprovalQueued':
      return `approval #${s(id)} queued for ${who}${d.sha ? ` @ ${s(d.sha).slice(0, 12)}` : ''}`;
    case 'ApprovalBuilding':
      return `approval #${s(id)} building ${who}`;
    case 'ApprovalResolved':
      return `approval #${s(id)} ${s(d.status)}${d.terminal_tag ? ` → ${s(d.terminal_tag)}` : ''}`;
    case 'container_crash': {
      const how = d.signal ? ` (${s(d.signal)})` : typeof d.code === 'number' ? ` (exit ${d.code})` : '';
      const last = lastLine(s(d.tail));
      return `${who} crashed${how}${last ? `: ${last}` : ''}`;
    }
    case 'AgentStatus':
      return `${who} is ${s(d.status)}`;
    case 'PortConflict':
      return `port ${s(d.port)} collision: ${Array.isArray(d.agents) ? d.agents.join(' · ') : who}`;
    case 'QuestionAsked':
      return `${who} asks: ${s(d.question)}`;
    case 'QuestionAnswered':
      return `answered ${who}: ${s(d.answer)}`;
    case 'AgentActivity':
      return `${who} is ${s(d.activity)}`;
    case 'TurnRecorded':
      return `${who} turn ${s(d.turn)}${typeof d.cost_usd === 'number' ? ` · $${d.cost_usd.toFixed(4)}` : ''}${d.ok === false ? ' (failed)' : ''}`;
    case 'BudgetExceeded':
      return `${who} stopped: ${firstLine(s(d.error)) || 'its daily budget is spent'}`;
    case 'Message':
      return `${s(d.from) || who} → ${s(d.to)}: ${s(d.text)}`;
    default:
      return `${e.type} ${who}`.trim();
  }
}
