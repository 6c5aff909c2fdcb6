import { describe, expect, it } from 'vitest';
import { formatTokens, formatUsd, modelCell, oneLine, usageLine, usageTitle } from './usage-format.js';

const u = (cost_usd: number, input_tokens: number, output_tokens: number, turns: number) => ({ cost_usd, input_tokens, output_tokens, turns });

describe('usage figures', () => {
  it('shows cents to four places below a dollar and to two above', () => {
    expect(formatUsd(0.0123)).toBe('$0.0123');
    expect(formatUsd(12.345)).toBe('$12.35');
  });
  it('shortens token counts to k and M', () => {
    expect([formatTokens(340), formatTokens(1234), formatTokens(3_400_000)]).toEqual(['340', '1.2k', '3.4M']);
  });
  it("gives today's cost and tokens on the row", () => {
    expect(usageLine({ ...u(0.5, 90_000, 9000, 17), today: u(0.0123, 1234, 340, 2) })).toBe('$0.0123 today · 1.2k in / 340 out');
  });
  it('puts the all-time figures and turn counts in the tooltip', () => {
    expect(usageTitle({ ...u(0.5, 12_000, 3000, 17), today: u(0.0123, 1234, 340, 1) })).toBe('all time $0.5000 · 12.0k in / 3.0k out · 17 turns · today 1 turn');
  });
  it('shows nothing when the daemon sent no usage', () => {
    expect(usageLine(undefined)).toBeNull();
  });
});

describe('modelCell', () => {
  it("names agent.nix's default beside a runtime override", () => {
    expect(modelCell({ model: 'opus', config_model: 'sonnet' })).toEqual({ runs: 'opus', config: 'sonnet' });
  });
  it('shows only the model when the config agrees or is not reported', () => {
    expect(modelCell({ model: 'sonnet', config_model: 'sonnet' })).toEqual({ runs: 'sonnet', config: null });
    expect(modelCell({ model: 'opus' })).toEqual({ runs: 'opus', config: null });
  });
  it('falls back to the config model when the running one is unknown', () => {
    expect(modelCell({ model: null, config_model: 'haiku' })).toEqual({ runs: 'haiku', config: null });
  });
});

describe('oneLine', () => {
  it('folds newlines and cuts long text with an ellipsis', () => {
    expect(oneLine('may i\n  delete it?')).toBe('may i delete it?');
    expect(oneLine('x'.repeat(200), 10)).toBe('xxxxxxxxx…');
  });
});
