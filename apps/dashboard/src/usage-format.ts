import type { AgentState, AgentUsage } from '@hive/protocol';

/** `$0.0123` below a dollar (turns are cheap), `$12.34` above; the same figures as the agent's own page. */
export const formatUsd = (usd: number): string => `$${usd >= 1 ? usd.toFixed(2) : usd.toFixed(4)}`;

/** `340`, `1.2k`, `3.4M`. */
export const formatTokens = (n: number): string => (n < 1000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(1)}M`);

const turns = (n: number) => `${n} turn${n === 1 ? '' : 's'}`;
const spend = (u: AgentUsage) => `${formatUsd(u.cost_usd)} · ${formatTokens(u.input_tokens)} in / ${formatTokens(u.output_tokens)} out`;

/** The row's line: `$0.0123 today · 1.2k in / 340 out`; null when the daemon sent no usage. */
export function usageLine(u: AgentState['usage']): string | null {
  if (!u) return null;
  const t = u.today;
  return `${formatUsd(t.cost_usd)} today · ${formatTokens(t.input_tokens)} in / ${formatTokens(t.output_tokens)} out`;
}

/** The row's tooltip: all-time figures and turn counts, `all time $0.5000 · 12.0k in / 3.0k out · 17 turns · today 3 turns`. */
export function usageTitle(u: AgentState['usage']): string {
  if (!u) return 'no usage reported';
  return `all time ${spend(u)} · ${turns(u.turns)} · today ${turns(u.today.turns)}`;
}

/** What the agent runs, and the config's default only when it differs (a runtime `/model` override). */
export function modelCell(a: Pick<AgentState, 'model' | 'config_model'>): { runs: string | null; config: string | null } {
  const runs = a.model ?? a.config_model ?? null;
  const config = a.config_model != null && a.model != null && a.config_model !== a.model ? a.config_model : null;
  return { runs, config };
}

/** One line of at most `max` characters: newlines and runs of spaces folded, an ellipsis where it was cut. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
