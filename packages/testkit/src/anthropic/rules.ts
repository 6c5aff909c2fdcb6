/** Picks the rule that answers a request: first match wins, `times` caps how often a rule fires. */
import type { ConversationFacts } from './conversation.js';
import { DEFAULT_FALLBACK, DEFAULT_USAGE, type Reply, type Rule, type Scenario, type Usage } from './types.js';

const matches = (want: string | RegExp, got: string, exact: boolean): boolean => {
  if (want instanceof RegExp) {
    want.lastIndex = 0; // a /g pattern keeps state between tests; every request starts fresh
    return want.test(got);
  }
  return exact ? got === want : got.includes(want);
};

/** Whether every matcher the rule sets holds for these facts (ignores `times`). */
export function ruleMatches(rule: Rule, facts: ConversationFacts): boolean {
  if (rule.lastUserText !== undefined && !matches(rule.lastUserText, facts.lastUserText, false)) return false;
  if (rule.hasToolResult !== undefined && rule.hasToolResult !== facts.hasToolResult) return false;
  if (rule.toolOffered !== undefined && !facts.toolNames.includes(rule.toolOffered)) return false;
  if (rule.model !== undefined && !matches(rule.model, facts.model ?? '', true)) return false;
  return true;
}

/** A scenario with its defaults filled in and a count of how often each rule has fired. */
export class RuleBook {
  readonly rules: Rule[];
  readonly usage: Usage;
  readonly fallback: Reply;
  private readonly fired: number[];

  constructor(scenario: Scenario) {
    const opts = Array.isArray(scenario) ? { rules: scenario } : scenario;
    this.rules = opts.rules;
    this.usage = { ...DEFAULT_USAGE, ...opts.usage };
    this.fallback = opts.fallback ?? DEFAULT_FALLBACK;
    this.fired = opts.rules.map(() => 0);
  }

  /** The first rule that matches and has firings left, counting this firing; null means the fallback answers. */
  pick(facts: ConversationFacts): { index: number; rule: Rule } | null {
    for (const [index, rule] of this.rules.entries()) {
      if (rule.times !== undefined && this.fired[index]! >= rule.times) continue;
      if (!ruleMatches(rule, facts)) continue;
      this.fired[index]!++;
      return { index, rule };
    }
    return null;
  }

  /** How often each rule has fired so far. */
  firedCounts(): number[] {
    return [...this.fired];
  }
}
