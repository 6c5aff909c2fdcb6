import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { loadConfig } from './config.js';
import { preflight } from './preflight.js';

/** A PATH holding only the named host tools, so each missing one can be shown. */
function pathWith(...bins: string[]): string {
  const dir = path.join(tempDir('hive-preflight-'), 'bin');
  mkdirSync(dir, { recursive: true });
  for (const b of bins) symlinkSync(`/usr/bin/${b}`, path.join(dir, b));
  return dir;
}

describe('hive up preflight', () => {
  const config = loadConfig({ HIVE_STATE_DIR: tempDir('hive-preflight-state-') });

  it('says nothing when nix, bwrap and an API key are there', () => {
    expect(preflight(config, { PATH: pathWith('nix', 'nix-instantiate', 'bwrap'), ANTHROPIC_API_KEY: 'k' })).toEqual({ fatal: [], warn: [] });
  });

  it('names a missing nix, with the apt package that brings it', () => {
    const r = preflight(config, { PATH: pathWith('bwrap'), ANTHROPIC_API_KEY: 'k' });
    expect(r.fatal).toEqual([expect.stringMatching(/^nix is not installed: .* apt-get install nix-bin/)]);
  });

  it('refuses a missing bwrap as root and names both fixes', () => {
    const r = preflight(config, { PATH: pathWith('nix', 'nix-instantiate'), ANTHROPIC_API_KEY: 'k' });
    expect([...r.fatal, ...r.warn]).toEqual([expect.stringMatching(/bubblewrap is not installed.*apt-get install bubblewrap.*--no-sandbox/)]);
    if (process.getuid?.() === 0) expect(r.fatal).toHaveLength(1);
  });

  it('accepts a missing bwrap when the operator asked for no sandbox', () => {
    const none = loadConfig({ HIVE_STATE_DIR: tempDir('hive-preflight-state-'), HIVE_SANDBOX: 'none' });
    expect(preflight(none, { PATH: pathWith('nix', 'nix-instantiate'), ANTHROPIC_API_KEY: 'k' }).fatal).toEqual([]);
  });

  it('warns in one line when there is no API key and no claude login, naming both ways to fix it', () => {
    const r = preflight(config, { PATH: pathWith('nix', 'nix-instantiate', 'bwrap') });
    expect(r.warn).toHaveLength(1);
    expect(r.warn[0]).toMatch(/no ANTHROPIC_API_KEY and no claude login: .*export ANTHROPIC_API_KEY=.*claude login/);
    expect(r.warn[0]).not.toContain('\n');
  });
});
