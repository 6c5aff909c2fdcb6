import path from 'node:path';
import { git, tempDir } from '@hive/testkit';
import { agentsForMeta, seedLocalHyperhive, type AgentSpec, type MetaOptions } from '../index.js';
import { seedAppliedAgent } from '../testing.js';

export interface Hive {
  root: string;
  o: MetaOptions;
  /** Creates applied/<name> with an agent.nix setting hive.model = `model`. */
  agent(name: string, model?: string): Promise<string>;
  specs(...names: string[]): AgentSpec[];
  /** The meta repo's `git log --format=%s`, newest first. */
  log(): Promise<string[]>;
  head(): Promise<string>;
  status(): Promise<string>;
}

/** A state root with a stub hyperhive, an applied root and a meta dir (not created). */
export async function makeHive(): Promise<Hive> {
  const root = tempDir('hive-meta-');
  const { url } = await seedLocalHyperhive(path.join(root, 'stub'));
  const o: MetaOptions = { metaDir: path.join(root, 'meta'), appliedRoot: path.join(root, 'applied'), hyperhiveUrl: url, dashboardPort: 7777 };
  return {
    root,
    o,
    agent: (name, model = 'sonnet') => seedAppliedAgent({ appliedRoot: o.appliedRoot, name, agentNix: agentNix(model) }),
    specs: (...names) => agentsForMeta(names),
    log: async () => (await git(o.metaDir, ['log', '--format=%s'])).split('\n').filter(Boolean),
    head: async () => (await git(o.metaDir, ['rev-parse', 'HEAD'])).trim(),
    status: async () => (await git(o.metaDir, ['status', '--porcelain'])).trim(),
  };
}

export const agentNix = (model: string) => `{ config, lib, pkgs, ... }:
{
  hive.model = "${model}";
  hive.env.AGENT_NOTE = "from agent.nix";
}
`;
