import { describe, expect, it } from 'vitest';
import type { ConversationFacts } from './conversation.js';
import { RuleBook, ruleMatches } from './rules.js';
import { DEFAULT_USAGE } from './types.js';

const facts = (over: Partial<ConversationFacts> = {}): ConversationFacts => ({
  model: 'claude-sonnet-4-5',
  stream: true,
  toolNames: ['Bash', 'Read'],
  lastUserText: 'please print the sha',
  lastToolResult: '',
  hasToolResult: false,
  ...over,
});

describe('ruleMatches', () => {
  it('matches lastUserText as a substring or a pattern', () => {
    expect(ruleMatches({ lastUserText: 'the sha', reply: { text: '' } }, facts())).toBe(true);
    expect(ruleMatches({ lastUserText: 'SHA', reply: { text: '' } }, facts())).toBe(false);
    expect(ruleMatches({ lastUserText: /SHA$/i, reply: { text: '' } }, facts())).toBe(true);
  });

  it('gives a global pattern the same answer on every request', () => {
    const rule = { lastUserText: /sha/g, reply: { text: '' } };
    expect([ruleMatches(rule, facts()), ruleMatches(rule, facts()), ruleMatches(rule, facts())]).toEqual([true, true, true]);
  });

  it('matches hasToolResult, toolOffered and the exact model', () => {
    expect(ruleMatches({ hasToolResult: true, reply: { text: '' } }, facts())).toBe(false);
    expect(ruleMatches({ hasToolResult: false, reply: { text: '' } }, facts())).toBe(true);
    expect(ruleMatches({ toolOffered: 'Bash', reply: { text: '' } }, facts())).toBe(true);
    expect(ruleMatches({ toolOffered: 'mcp__hive__ask_operator', reply: { text: '' } }, facts())).toBe(false);
    expect(ruleMatches({ model: 'claude-sonnet-4-5', reply: { text: '' } }, facts())).toBe(true);
    expect(ruleMatches({ model: 'claude-sonnet', reply: { text: '' } }, facts())).toBe(false);
    expect(ruleMatches({ model: /haiku/, reply: { text: '' } }, facts({ model: 'claude-haiku-4-5' }))).toBe(true);
  });

  it('needs every matcher a rule sets to hold', () => {
    expect(ruleMatches({ lastUserText: 'sha', hasToolResult: true, reply: { text: '' } }, facts())).toBe(false);
    expect(ruleMatches({ lastUserText: 'sha', toolOffered: 'Bash', reply: { text: '' } }, facts())).toBe(true);
  });
});

describe('RuleBook', () => {
  it('answers with the first matching rule', () => {
    const book = new RuleBook([
      { lastUserText: 'nope', reply: { text: 'a' } },
      { lastUserText: 'sha', reply: { text: 'b' } },
      { reply: { text: 'c' } },
    ]);
    expect(book.pick(facts())?.index).toBe(1);
  });

  it('lets a rule with times fire that often, then falls through to later rules and the fallback', () => {
    const book = new RuleBook([{ times: 2, reply: { text: 'twice' } }]);
    expect([book.pick(facts())?.index, book.pick(facts())?.index, book.pick(facts())]).toEqual([0, 0, null]);
    expect(book.firedCounts()).toEqual([2]);
  });

  it('fills scenario defaults: usage merged over DEFAULT_USAGE, a text fallback', () => {
    const book = new RuleBook({ rules: [], usage: { output_tokens: 7 } });
    expect(book.usage).toEqual({ ...DEFAULT_USAGE, output_tokens: 7 });
    expect(book.fallback).toHaveProperty('text');
  });
});
