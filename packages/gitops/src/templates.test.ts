import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNix } from '@hive/core';
import { tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { setupProposed } from './proposed.js';
import { AGENT_TEMPLATES, agentFiles } from './templates.js';

const templatesDir = fileURLToPath(new URL('../templates/', import.meta.url));

describe('agent templates', () => {
  it('both parse with nix-instantiate', async () => {
    for (const file of ['agent.nix', 'flake.nix']) {
      await expect(runNix(['--parse', path.join(templatesDir, file)], { cwd: templatesDir, bin: 'nix-instantiate' })).resolves.toBeTruthy();
    }
  });

  it('agent.nix carries the hive settings, readable without nixpkgs', async () => {
    const { stdout } = await runNix(
      ['--eval', '--strict', '--json', '-E', '(import ./agent.nix { config = {}; lib = {}; pkgs = {}; }).hive'],
      { cwd: templatesDir, bin: 'nix-instantiate' },
    );
    expect(JSON.parse(stdout)).toEqual({ model: 'sonnet', env: {}, mcpServers: {} });
  });

  it('flake.nix exports agent.nix as nixosModules.default, with no inputs', async () => {
    const dir = tempDir();
    for (const [file, text] of Object.entries(agentFiles('coder'))) writeFileSync(path.join(dir, file), text);
    const { stdout } = await runNix(
      [
        '--eval', '--strict', '--json', '-E',
        'let f = import ./flake.nix; m = (f.outputs { self = null; }).nixosModules.default; in ' +
          '{ inherit (f) description; inputs = f.inputs or null; model = (m { config = {}; lib = {}; pkgs = {}; }).hive.model; }',
      ],
      { cwd: dir, bin: 'nix-instantiate' },
    );
    expect(JSON.parse(stdout)).toEqual({ description: 'hyperhive agent coder', inputs: null, model: 'sonnet' });
  });

  it('a seeded proposed repo evaluates as a flake offline', async () => {
    const dir = path.join(tempDir(), 'config');
    await setupProposed({ dir, name: 'iris' });
    const { stdout } = await runNix(
      ['eval', '--no-write-lock-file', '--json', `git+file://${dir}#nixosModules.default`, '--apply', 'm: (m { config = {}; lib = {}; pkgs = {}; }).hive'],
      { cwd: dir },
    );
    expect(JSON.parse(stdout)).toEqual({ model: 'sonnet', env: {}, mcpServers: {} });
  });

  it('the exported constants are the shipped files', () => {
    expect(AGENT_TEMPLATES.agentNix).toMatch(/^# hyperhive agent config — a NixOS module\./);
    expect(AGENT_TEMPLATES.flakeNix).toContain('description = "hyperhive agent <name>";');
    expect(agentFiles('a')['flake.nix']).toContain('"hyperhive agent a"');
  });
});
