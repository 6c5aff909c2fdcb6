/**
 * Test and benchmark support (`@hive/metaflake/testing`), kept out of the production API:
 * a minimal applied repo (an agent flake with agent.nix) to sync and deploy against.
 */
export { seedAppliedAgent } from './stub.js';
