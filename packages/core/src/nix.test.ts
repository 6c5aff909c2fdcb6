import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NixError, runNix } from './index.js';

describe('runNix', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'hive-nix-'));
  it('evaluates an expression with the real nix', async () => {
    const { stdout } = await runNix(['eval', '--expr', '1 + 2'], { cwd });
    expect(stdout.trim()).toBe('3');
  });
  it('throws NixError with the stderr when nix fails', async () => {
    await expect(runNix(['eval', '--expr', '1 +'], { cwd })).rejects.toBeInstanceOf(NixError);
    await expect(runNix(['eval', '--expr', 'throw "boom"'], { cwd })).rejects.toThrow(/boom/);
  });
  it('parses with nix-instantiate', async () => {
    await expect(runNix(['--parse', '-E', '{ a = 1; }'], { cwd, bin: 'nix-instantiate' })).resolves.toBeTruthy();
    await expect(runNix(['--parse', '-E', '{ a = 1 }'], { cwd, bin: 'nix-instantiate' })).rejects.toThrow(/syntax error|unexpected/);
  });
});
