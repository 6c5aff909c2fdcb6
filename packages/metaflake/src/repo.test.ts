import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '@hive/testkit';
import { hiveGitIdentity } from '@hive/gitops';
import { abortDeploy, finalizeDeploy, prepareDeploy, syncAgents } from './index.js';
import { makeHive } from './test-support/fixture.js';

describe('meta repo git (through @hive/gitops)', () => {
  it("commits with gitops' fixed identity, whatever the repo's config says", async () => {
    const h = await makeHive();
    await h.agent('coder');
    await git(h.root, ['init', '-q', h.o.metaDir]);
    await git(h.o.metaDir, ['config', 'user.name', 'someone else']);
    await git(h.o.metaDir, ['config', 'user.email', 'else@example.com']);
    await syncAgents({ ...h.o, agents: h.specs('coder') });
    const who = await git(h.o.metaDir, ['log', '-1', '--format=%an <%ae> / %cn <%ce>']);
    const id = `${hiveGitIdentity.GIT_AUTHOR_NAME} <${hiveGitIdentity.GIT_AUTHOR_EMAIL}>`;
    expect(who.trim()).toBe(`${id} / ${id}`);
  });

  it('never runs a hook planted in the meta repo, through sync, deploy and abort', async () => {
    const h = await makeHive();
    const sha = await h.agent('coder');
    await syncAgents({ ...h.o, agents: h.specs('coder') });
    const marker = path.join(h.root, 'hook-ran');
    // reference-transaction runs on every update-ref and reset, post-commit on a commit, post-index-change on
    // nix's own `git add` of flake.lock (runNix passes core.hooksPath=/dev/null to the git nix runs).
    for (const hook of ['reference-transaction', 'post-commit', 'post-index-change']) {
      const file = path.join(h.o.metaDir, '.git', 'hooks', hook);
      writeFileSync(file, `#!/bin/sh\necho ${hook} >> ${JSON.stringify(marker)}\n`);
      chmodSync(file, 0o755);
    }
    await h.agent('iris');
    await syncAgents({ ...h.o, agents: h.specs('coder', 'iris') });
    await prepareDeploy(h.o, { name: 'coder', sha });
    await finalizeDeploy(h.o, { name: 'coder', id: 1, sha });
    await prepareDeploy(h.o, { name: 'coder', sha });
    await abortDeploy(h.o);
    expect(await h.log()).toEqual(['deploy coder deployed/1 ' + sha.slice(0, 12), 'sync agents: coder, iris', 'sync agents: coder']);
    expect(existsSync(marker) ? readFileSync(marker, 'utf8') : '').toBe('');
  });
});
