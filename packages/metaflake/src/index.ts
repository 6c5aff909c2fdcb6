/** What the meta flake is made of: agents, options, and the rendered flake.nix. */
export { renderMetaFlake } from './render.js';
export { DEFAULT_SYSTEM, agentInput, appliedUrl, type AgentSpec, type MetaOptions, type RenderOptions } from './options.js';
export { agentsForMeta } from './agents.js';
export { hostSystem } from './system.js';

/** Keeping the meta repo in step with the agent set: idempotent, self-healing. */
export { syncAgents } from './sync.js';

/** Two-phase deploy of one agent's proposal: pin without committing, then commit or restore. */
export { prepareDeploy, stageDeploy, finalizeDeploy, abortDeploy, type PreparedDeploy, type StagedDeploy } from './deploy.js';

/** Single-phase relocks: one agent to its applied main (rebuild), or the hyperhive input (auto-update). */
export { lockUpdateForRebuild, lockUpdateHyperhive } from './relock.js';

/** Reading the meta flake back: pinned revs. */
export { lockedRev, parseLock, type FlakeLock } from './lock.js';

/** Offline stand-in for a box without NixOS or internet: stub nixpkgs + hyperhive (agent repos for tests: `@hive/metaflake/testing`). */
export { seedLocalHyperhive } from './stub.js';

export {
  InvalidMetaOptionError,
  InvalidShaError,
  UnknownCommitError,
  AgentNotInMetaError,
  DeployNotPreparedError,
  AppliedRepoMissingError,
} from './errors.js';
