import { realpathSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { resolveClaudeCommand } from './claude-bin.js';

describe('resolveClaudeCommand', () => {
  it('resolves the pinned CLI to one absolute, real native binary that prints its version', async () => {
    const argv = resolveClaudeCommand();
    expect(argv).not.toBeNull();
    expect(argv).toHaveLength(1);
    const [bin] = argv!;
    expect(path.isAbsolute(bin!)).toBe(true);
    expect(realpathSync(bin!)).toBe(bin);
    expect(statSync(bin!).size).toBeGreaterThan(1_000_000); // the native binary, not the npm stub
    const { stdout } = await execa(bin!, ['--version'], { cwd: tempDir(), env: { PATH: '/usr/bin:/bin', HOME: tempDir() }, extendEnv: false });
    expect(stdout.trim()).toBe('2.1.332 (Claude Code)');
  });

  describe('from a place without the dependency', () => {
    // pnpm's bin shims (vitest's included) put the whole store on NODE_PATH, which Node searches last;
    // take it out so this case is about the walk up from `from` only.
    const saved = process.env.NODE_PATH;
    const initPaths = () => (Module as unknown as { _initPaths(): void })._initPaths();
    beforeAll(() => {
      delete process.env.NODE_PATH;
      initPaths();
    });
    afterAll(() => {
      if (saved !== undefined) process.env.NODE_PATH = saved;
      initPaths();
    });

    it('answers null', () => {
      expect(resolveClaudeCommand(path.join(tempDir(), 'main.js'))).toBeNull();
    });
  });
});
