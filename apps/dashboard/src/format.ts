import { parseHiveEvent, type Approval, type HiveEvent, type TypedHiveEvent } from '@hive/protocol';

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

/**
 * One lowercase line for an event in the history, built from the fields its type carries.
 * An event whose `data` does not match its type (an older daemon's row) shows its type and agent only.
 */
export function describeEvent(e: HiveEvent): string {
  const t = parseHiveEvent(e);
  return t ? describeTyped(t) : `${e.type} ${e.agent ?? ''}`.trim();
}

/** The agent an event is about: the envelope's, else the one its data names. */
export function agentOf(e: TypedHiveEvent): string {
  return e.agent ?? ('agent' in e.data ? e.data.agent : '');
}

function describeTyped(e: TypedHiveEvent): string {
  const who = agentOf(e);
  switch (e.type) {
    case 'Spawned':
      return `spawned ${who} on port ${e.data.port}`;
    case 'Destroyed':
      return `destroyed ${who}${e.data.purge ? ' (purged)' : ''}`;
    case 'Rebuilt': {
      const d = e.data;
      return !d.ok ? `rebuild of ${who} failed${d.error ? `: ${firstLine(d.error)}` : ''}` : `rebuilt ${who}${d.terminal_tag ? ` → ${d.terminal_tag}` : ''}`;
    }
    case 'ApprovalQueued':
      return `approval #${e.data.id} queued for ${who}${e.data.sha ? ` @ ${e.data.sha.slice(0, 12)}` : ''}`;
    case 'ApprovalBuilding':
      return `approval #${e.data.id} building ${who}`;
    case 'ApprovalResolved':
      return `approval #${e.data.id} ${e.data.status}${e.data.terminal_tag ? ` → ${e.data.terminal_tag}` : ''}`;
    case 'container_crash': {
      const d = e.data;
      const how = d.signal ? ` (${d.signal})` : d.code !== null ? ` (exit ${d.code})` : '';
      const last = d.reason ?? lastLine(d.tail);
      return `${who} crashed${how}${last ? `: ${last}` : ''}`;
    }
    case 'AgentStatus':
      return `${who} is ${e.data.status}`;
    case 'PortConflict':
      return `port ${e.data.port} collision: ${e.data.agents.join(' · ')}`;
    case 'QuestionAsked':
      return `${who} asks: ${e.data.question}`;
    case 'QuestionAnswered':
      return `answered ${who}: ${e.data.answer}`;
    case 'AgentActivity':
      return `${who} is ${e.data.activity}`;
    case 'TurnRecorded':
      return `${who} turn ${e.data.turn} · $${e.data.cost_usd.toFixed(4)}${e.data.ok ? '' : ' (failed)'}`;
    case 'BudgetExceeded':
      return `${who} stopped: ${firstLine(e.data.error) || 'its daily budget is spent'}`;
    case 'Message':
      return `${e.data.from} → ${e.data.to}: ${e.data.text}`;
    case 'RolledBack':
      return e.data.auto
        ? `${who} reverted to ${e.data.to}: approval #${e.data.id} failed its health check`
        : `${who} rolled back to ${e.data.to}${e.data.from ? ` from ${e.data.from}` : ''} (#${e.data.id})`;
    case 'HealthChecked':
      return e.data.ok ? `${who} is healthy${e.data.approval_id ? ` after #${e.data.approval_id}` : ''}` : `${who} failed its health check: ${e.data.failed ?? 'unknown'}`;
    case 'Frozen':
      return `hive frozen: ${e.data.reason}`;
    case 'Thawed':
      return 'hive thawed';
  }
}
