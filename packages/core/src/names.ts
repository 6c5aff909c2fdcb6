import { InvalidNameError } from './errors.js';

/** Longest agent name: the container is `h-<name>` and nixos-container refuses names over 11 chars. */
export const MAX_AGENT_NAME = 9;
export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/** Checks an agent name before anything touches disk; returns it unchanged or throws InvalidNameError. */
export function validateAgentName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidNameError(String(name), 'a name must be a string');
  if (name.length === 0) throw new InvalidNameError(name, 'a name must not be empty');
  if (name.length > MAX_AGENT_NAME)
    throw new InvalidNameError(name, `at most ${MAX_AGENT_NAME} characters (the container is h-<name>, 11 max)`);
  if (!AGENT_NAME_PATTERN.test(name))
    throw new InvalidNameError(name, 'use a lowercase letter first, then lowercase letters, digits or "-"');
  return name;
}

export function isValidAgentName(name: unknown): name is string {
  try {
    validateAgentName(name);
    return true;
  } catch {
    return false;
  }
}

/** The container (and nspawn machine) name of an agent. */
export function containerName(name: string): string {
  return `h-${validateAgentName(name)}`;
}
