import { readFileSync } from 'node:fs';

// Read from the shipped files (../templates from both src/ and dist/), so there is one copy.
const read = (file: string) => readFileSync(new URL(`../templates/${file}`, import.meta.url), 'utf8');

/** The files setupProposed seeds: agent.nix (a NixOS module with a `hive` settings attr) and flake.nix (`<name>` placeholder). */
export const AGENT_TEMPLATES: { agentNix: string; flakeNix: string } = Object.freeze({
  agentNix: read('agent.nix'),
  flakeNix: read('flake.nix'),
});

/** The seed files for agent `name`, keyed by their path in the proposed repo. */
export function agentFiles(name: string): Record<'agent.nix' | 'flake.nix', string> {
  return {
    'agent.nix': AGENT_TEMPLATES.agentNix,
    'flake.nix': AGENT_TEMPLATES.flakeNix.replaceAll('<name>', name),
  };
}
