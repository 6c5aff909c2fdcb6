import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git as tgit, initRepo as initTestRepo, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { agentPolicyFile, readAgentPolicy } from './agent-policy.js';
import { ProposalRefusedError } from './errors.js';
import { checkProposal, DEFAULT_PROPOSAL_POLICY, type ProposalPolicy } from './proposal-policy.js';
import { agentFiles } from './templates.js';

/** A repo holding the agent template plus `extra` (written by `plant`), committed; returns repo and sha. */
async function proposal(plant: (dir: string) => void | Promise<void> = () => {}) {
  const repo = await initTestRepo();
  writeFileSync(path.join(repo, 'agent.nix'), agentFiles('coder')['agent.nix']);
  writeFileSync(path.join(repo, 'flake.nix'), agentFiles('coder')['flake.nix']);
  await plant(repo);
  const sha = await commitFiles(repo, {}, 'proposal');
  return { repo, sha };
}

async function refusal(repo: string, sha: string, policy?: Partial<ProposalPolicy>): Promise<ProposalRefusedError> {
  const err = await checkProposal(repo, sha, policy).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProposalRefusedError);
  expect(err).toMatchObject({ code: 'PROPOSAL_REFUSED' });
  expect((err as Error).message).not.toContain('\n');
  return err as ProposalRefusedError;
}

describe('checkProposal', () => {
  it('accepts the agent template and an executable script (positive control)', async () => {
    const { repo, sha } = await proposal((d) => {
      writeFileSync(path.join(d, 'run.sh'), '#!/bin/sh\n');
      chmodSync(path.join(d, 'run.sh'), 0o755);
      mkdirSync(path.join(d, 'modules'));
      writeFileSync(path.join(d, 'modules/extra.nix'), '{ }\n');
    });
    // The tree it checked is returned: what approvals are compared by.
    await expect(checkProposal(repo, sha)).resolves.toEqual({ tree: await tgit(repo, ['rev-parse', `${sha}^{tree}`]) });
  });

  it('refuses a symlink to another agent\'s token, naming the file, without reading the target', async () => {
    const secretDir = tempDir();
    writeFileSync(path.join(secretDir, 'token'), 'TOKEN-OF-OTHER-AGENT\n');
    const { repo, sha } = await proposal((d) => symlinkSync(path.join(secretDir, 'token'), path.join(d, 'notes.nix')));
    const err = await refusal(repo, sha);
    expect(err.message).toBe('proposal refused: notes.nix is a symlink (symlinks are not allowed in agent configs)');
    expect(err).toMatchObject({ file: 'notes.nix', rule: 'symlink' });
    expect(JSON.stringify(err)).not.toContain('TOKEN-OF-OTHER-AGENT');
  });

  it('allows an in-tree symlink only where the operator allows symlinks, and never one leaving the config', async () => {
    const inTree = await proposal((d) => symlinkSync('agent.nix', path.join(d, 'alias.nix')));
    await refusal(inTree.repo, inTree.sha);
    await expect(checkProposal(inTree.repo, inTree.sha, { allowSymlinks: true })).resolves.toEqual({ tree: expect.stringMatching(/^[0-9a-f]{40}$/) });
    for (const target of ['../../state/other/token', '/etc/passwd', 'a/../../x', '.git/config']) {
      const out = await proposal((d) => symlinkSync(target, path.join(d, 'notes.nix')));
      const err = await refusal(out.repo, out.sha, { allowSymlinks: true });
      expect(err.rule, target).toBe('symlink-target');
    }
  });

  it('refuses a submodule gitlink and a .gitmodules file', async () => {
    const gitlink = await proposal();
    await tgit(gitlink.repo, ['update-index', '--add', '--cacheinfo', `160000,${'a'.repeat(40)},vendor/lib`]);
    await tgit(gitlink.repo, ['commit', '-q', '-m', 'gitlink']);
    gitlink.sha = (await tgit(gitlink.repo, ['rev-parse', 'HEAD'])).trim();
    expect(await tgit(gitlink.repo, ['ls-tree', '-r', 'HEAD'])).toContain('160000 commit');
    expect((await refusal(gitlink.repo, gitlink.sha)).message).toBe(
      'proposal refused: vendor/lib is a submodule (gitlinks are not allowed in agent configs)',
    );
    const modules = await proposal((d) => writeFileSync(path.join(d, '.gitmodules'), '[submodule "x"]\n'));
    expect((await refusal(modules.repo, modules.sha)).rule).toBe('gitmodules');
  });

  it('refuses .gitattributes anywhere in the tree', async () => {
    for (const where of ['.gitattributes', 'deep/dir/.gitattributes', 'x/.GitAttributes']) {
      const { repo, sha } = await proposal((d) => {
        mkdirSync(path.join(d, path.dirname(where)), { recursive: true });
        writeFileSync(path.join(d, where), '* -diff\n');
      });
      expect((await refusal(repo, sha)).message, where).toBe(
        `proposal refused: ${where} is a .gitattributes file (attributes are not allowed in agent configs)`,
      );
    }
  });

  it('refuses a file over the per-file limit and a proposal over the total or file-count limit', async () => {
    const big = await proposal((d) => writeFileSync(path.join(d, 'pad.txt'), 'x'.repeat(DEFAULT_PROPOSAL_POLICY.maxFileBytes + 1)));
    expect((await refusal(big.repo, big.sha)).message).toBe(
      `proposal refused: pad.txt is ${DEFAULT_PROPOSAL_POLICY.maxFileBytes + 1} bytes (the limit is ${DEFAULT_PROPOSAL_POLICY.maxFileBytes} a file)`,
    );
    await expect(checkProposal(big.repo, big.sha, { maxFileBytes: 1 << 20 })).resolves.toEqual({ tree: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const many = await proposal((d) => {
      for (let i = 0; i < 6; i++) writeFileSync(path.join(d, `f${i}.nix`), 'y'.repeat(1000));
    });
    expect((await refusal(many.repo, many.sha, { maxTotalBytes: 3000 })).rule).toBe('max-total-bytes');
    expect((await refusal(many.repo, many.sha, { maxFiles: 5 })).rule).toBe('max-files');
    await expect(checkProposal(many.repo, many.sha)).resolves.toEqual({ tree: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });

  it('refuses a file name with control, bidi or zero-width characters, showing them escaped', async () => {
    const { repo, sha } = await proposal((d) => writeFileSync(path.join(d, 'a\u202Egnp.nix'), '{ }\n'));
    const err = await refusal(repo, sha);
    expect(err.message).toContain('a<U+202E>gnp.nix has a control');
    expect(err.message).not.toContain('\u202E');
  });

  it('refuses flake inputs beyond the template\'s, declared or implied by outputs, unless the policy allows them', async () => {
    const declared = await proposal((d) =>
      writeFileSync(path.join(d, 'flake.nix'), '{ inputs.host.url = "path:/etc"; outputs = { self, ... }: { }; }\n'),
    );
    expect((await refusal(declared.repo, declared.sha)).message).toBe(
      'proposal refused: flake.nix declares the input host (flake inputs beyond the template\'s are not allowed; the operator can allow one in the agent\'s policy)',
    );
    await expect(checkProposal(declared.repo, declared.sha, { allowedInputs: ['host'] })).resolves.toEqual({ tree: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const implied = await proposal((d) => writeFileSync(path.join(d, 'flake.nix'), '{ outputs = { self, nixpkgs }: { }; }\n'));
    expect((await refusal(implied.repo, implied.sha)).message).toContain('declares the input nixpkgs');
    const dynamic = await proposal((d) => writeFileSync(path.join(d, 'flake.nix'), '{ ${"inp" + "uts"}.x.url = "path:/"; outputs = _: { }; }\n'));
    expect((await refusal(dynamic.repo, dynamic.sha)).message).toContain('declares the input x');
  });

  it('evaluates flake.nix in restricted mode: reading a host file refuses the proposal without its content', async () => {
    const secretDir = tempDir();
    writeFileSync(path.join(secretDir, 'token'), 'HOST-SECRET-42');
    const { repo, sha } = await proposal((d) =>
      writeFileSync(path.join(d, 'flake.nix'), `{ inputs = { \${builtins.readFile ${secretDir}/token} = { }; }; outputs = _: { }; }\n`),
    );
    const err = await refusal(repo, sha);
    expect(err.rule).toBe('flake-inputs');
    expect(err.message).toContain('could not be read for its inputs');
    expect(err.message).not.toContain('HOST-SECRET-42');
  });
});

describe('readAgentPolicy', () => {
  it('is the defaults when the file is missing, and applies the operator\'s relaxations', () => {
    const root = tempDir();
    expect(readAgentPolicy(root, 'coder')).toEqual(DEFAULT_PROPOSAL_POLICY);
    mkdirSync(path.join(root, 'policy'));
    writeFileSync(agentPolicyFile(root, 'coder'), JSON.stringify({ allowSymlinks: true, allowedInputs: ['nixpkgs'] }));
    expect(readAgentPolicy(root, 'coder')).toEqual({ ...DEFAULT_PROPOSAL_POLICY, allowSymlinks: true, allowedInputs: ['nixpkgs'] });
  });

  it('refuses a symlinked, malformed or over-permissive file with a one-line error naming it', () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'policy'));
    const file = agentPolicyFile(root, 'coder');
    writeFileSync(file, '{"allowSymlink": true}');
    expect(() => readAgentPolicy(root, 'coder')).toThrow(/invalid proposal policy .*coder\.json: \(root\): .*— fix or remove the file$/);
    writeFileSync(file, 'not json');
    expect(() => readAgentPolicy(root, 'coder')).toThrow(/not JSON/);
    const elsewhere = path.join(tempDir(), 'p.json');
    writeFileSync(elsewhere, '{"allowSymlinks": true}');
    const { rmSync } = require('node:fs') as typeof import('node:fs');
    rmSync(file);
    symlinkSync(elsewhere, file);
    expect(() => readAgentPolicy(root, 'coder')).toThrow(/a symlink is not followed/);
    expect(() => readAgentPolicy(root, '../x')).toThrow(/invalid agent name/);
  });
});
