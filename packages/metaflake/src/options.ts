import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { InvalidMetaOptionError, InvalidShaError } from './errors.js';
import { hostSystem } from './system.js';

/** One agent as the meta flake sees it. */
export interface AgentSpec {
  name: string;
  port: number;
  isManager: boolean;
  label: string;
}

/** Where the meta flake lives and what it points at. */
export interface MetaOptions {
  /** The meta repo (git); created on first sync. */
  metaDir: string;
  /** The dir holding the applied/<n> repos. */
  appliedRoot: string;
  /** Flake URL of the hyperhive input, e.g. `git+file:///…` or `github:owner/repo`. */
  hyperhiveUrl: string;
  dashboardPort: number;
  /** The manager's name, exported to every harness as HIVE_MANAGER_NAME; default: the agent with isManager. */
  managerName?: string;
  /** The containers' Nix system (HIVE_SYSTEM); default: this host's, from `hostSystem()`. */
  system?: string;
  /**
   * How the runtime networks the containers: `host` (default) or `private` (each on its own veth pair;
   * mkAgent then sets `hive.privateNetwork`, so the harness listens on its veth and finds the daemon at its gateway).
   */
  network?: 'host' | 'private';
}

export type RenderOptions = Omit<MetaOptions, 'metaDir'>;

/** This host's Nix system: the default of `system`. */
export const DEFAULT_SYSTEM = hostSystem();

// Characters that go into a git+file URL and a Nix string literal unchanged.
const SAFE_PATH = /^\/[A-Za-z0-9._/~+@,=-]*$/;
const FLAKE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s"'`\\$]+$/;
const SYSTEM = /^[a-z0-9_]+-[a-z0-9_]+$/;
const SHA = /^[0-9a-f]{7,40}$/;

/** An absolute, normalised dir that can go into a flake URL; throws InvalidMetaOptionError. */
export function checkDir(option: string, dir: unknown): string {
  if (typeof dir !== 'string' || dir === '') throw new InvalidMetaOptionError(option, 'must be a non-empty path');
  const abs = path.resolve(dir);
  if (!SAFE_PATH.test(abs))
    throw new InvalidMetaOptionError(option, `${JSON.stringify(abs)} has characters a flake URL cannot carry (use letters, digits and ._/~+@,=-)`);
  return abs;
}

/** A flake URL safe to write into flake.nix. */
export function checkFlakeUrl(option: string, url: unknown): string {
  if (typeof url !== 'string' || url.length > 2000 || !FLAKE_URL.test(url))
    throw new InvalidMetaOptionError(option, `${JSON.stringify(String(url).slice(0, 80))} is not a flake URL (e.g. git+file:///path or github:owner/repo)`);
  return url;
}

export function checkPort(option: string, port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidMetaOptionError(option, `${String(port)} is not a port (an integer 1–65535)`);
  return port;
}

/** Validated render options with defaults filled in. */
export function checkRenderOptions(o: RenderOptions): Required<Omit<RenderOptions, 'managerName'>> & { managerName?: string } {
  if (o === null || typeof o !== 'object') throw new InvalidMetaOptionError('options', 'must be an object');
  const network = o.network ?? 'host';
  if (network !== 'host' && network !== 'private') throw new InvalidMetaOptionError('network', `${JSON.stringify(network)} is not host or private`);
  const system = o.system ?? DEFAULT_SYSTEM;
  if (typeof system !== 'string' || !SYSTEM.test(system)) throw new InvalidMetaOptionError('system', `${JSON.stringify(system)} is not a Nix system like x86_64-linux`);
  if (o.managerName !== undefined) validateAgentName(o.managerName);
  return {
    appliedRoot: checkDir('appliedRoot', o.appliedRoot),
    hyperhiveUrl: checkFlakeUrl('hyperhiveUrl', o.hyperhiveUrl),
    dashboardPort: checkPort('dashboardPort', o.dashboardPort),
    system,
    network,
    ...(o.managerName === undefined ? {} : { managerName: o.managerName }),
  };
}

/** The agents validated, deduplicated by refusal, and sorted by name. */
export function checkSpecs(agents: readonly AgentSpec[]): AgentSpec[] {
  if (!Array.isArray(agents)) throw new InvalidMetaOptionError('agents', 'must be an array of AgentSpec');
  const seen = new Set<string>();
  const out = agents.map((a, i) => {
    if (a === null || typeof a !== 'object') throw new InvalidMetaOptionError(`agents[${i}]`, 'must be an AgentSpec');
    const name = validateAgentName(a.name);
    if (seen.has(name)) throw new InvalidMetaOptionError('agents', `${name} is listed twice`);
    seen.add(name);
    checkPort(`agents.${name}.port`, a.port);
    if (typeof a.isManager !== 'boolean') throw new InvalidMetaOptionError(`agents.${name}.isManager`, 'must be a boolean');
    if (typeof a.label !== 'string' || a.label.length === 0 || a.label.length > 64 || /[\p{Cc}]/u.test(a.label))
      throw new InvalidMetaOptionError(`agents.${name}.label`, 'must be 1–64 printable characters');
    return { name, port: a.port, isManager: a.isManager, label: a.label };
  });
  if (out.filter((a) => a.isManager).length > 1) throw new InvalidMetaOptionError('agents', 'more than one agent has isManager');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A commit sha in lowercase; throws InvalidShaError unless it is 7–40 hex digits. */
export function checkSha(sha: unknown): string {
  const s = typeof sha === 'string' ? sha.trim().toLowerCase() : '';
  if (!SHA.test(s)) throw new InvalidShaError(String(sha));
  return s;
}

/** The meta flake's input name for an agent. */
export function agentInput(name: string): string {
  return `agent-${name}`;
}

/** The URL of an agent's applied repo; `ref=main` so a mid-build working tree is never what gets locked. */
export function appliedUrl(appliedRoot: string, name: string): string {
  return `git+file://${path.join(appliedRoot, name)}?ref=main`;
}
