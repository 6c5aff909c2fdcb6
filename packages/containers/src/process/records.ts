import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isValidAgentName } from '@hive/core';
import type { RuntimeAgent } from '../runtime.js';
import type { HiveSettings } from './settings.js';

/** What the process runtime remembers of one agent across daemon restarts. */
export interface ProcessRecord {
  name: string;
  port: number;
  isManager: boolean;
  flakeRef: string;
  appliedDir: string;
  stateDir: string;
  /** The agent's env without secrets: the daemon hands the full one again on start. */
  env: Record<string, string>;
  /** Settings of the last successful build; null until one ran. */
  settings: HiveSettings | null;
  /** pid of the last child we started, to recognise a leftover after a daemon crash. */
  pid: number | null;
}

const SECRET = /TOKEN|SECRET|PASSWORD|CREDENTIAL|KEY/i;

/** The record for `agent`, secrets dropped. */
export function recordOf(agent: RuntimeAgent, settings: HiveSettings | null, pid: number | null): ProcessRecord {
  return {
    name: agent.name,
    port: agent.port,
    isManager: agent.isManager,
    flakeRef: agent.flakeRef,
    appliedDir: agent.appliedDir,
    stateDir: agent.stateDir,
    env: Object.fromEntries(Object.entries(agent.env).filter(([k]) => !SECRET.test(k))),
    settings,
    pid,
  };
}

/** One small JSON file per agent under `<stateRoot>/runtime/process/`. */
export class RecordStore {
  readonly dir: string;

  constructor(stateRoot: string) {
    this.dir = path.join(path.resolve(stateRoot), 'runtime', 'process');
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  read(name: string): ProcessRecord | null {
    try {
      return JSON.parse(readFileSync(this.file(name), 'utf8')) as ProcessRecord;
    } catch {
      return null;
    }
  }

  /** Writes via a temp file and rename, so a crash never leaves half a record. */
  write(record: ProcessRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file(record.name)}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file(record.name));
  }

  remove(name: string): void {
    rmSync(this.file(name), { force: true });
  }

  names(): string[] {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return [];
    }
    return files
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter(isValidAgentName)
      .sort();
  }
}
