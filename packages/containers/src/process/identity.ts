import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The uid every agent has inside its sandbox: never root. */
export const AGENT_UID = 1000;
/** The gid every agent has inside its sandbox. */
export const AGENT_GID = 1000;
/** The user name of AGENT_UID inside the sandbox; its home is the agent's /state. */
export const AGENT_USER = 'agent';

/** `/etc/passwd` inside a sandbox: root, the agent and nobody, so git, ssh and claude can look the uid up. */
export const SANDBOX_PASSWD = [
  'root:x:0:0:root:/root:/usr/sbin/nologin',
  `${AGENT_USER}:x:${AGENT_UID}:${AGENT_GID}:hyperhive agent:/state:/bin/sh`,
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  '',
].join('\n');

/** `/etc/group` inside a sandbox. */
export const SANDBOX_GROUP = ['root:x:0:', `${AGENT_USER}:x:${AGENT_GID}:`, 'nogroup:x:65534:', ''].join('\n');

/** Host files ro-bound over the sandbox's /etc/passwd and /etc/group. */
export interface SandboxIdentity {
  passwd: string;
  group: string;
}

/**
 * Writes the sandbox's passwd and group under `<stateRoot>/.sandbox/` (daemon-owned:
 * no agent bind reaches the state root itself) and returns their paths. Idempotent.
 */
export function writeSandboxIdentity(stateRoot: string): SandboxIdentity {
  const dir = path.join(path.resolve(stateRoot), '.sandbox');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const out = { passwd: path.join(dir, 'passwd'), group: path.join(dir, 'group') };
  writeIfChanged(out.passwd, SANDBOX_PASSWD);
  writeIfChanged(out.group, SANDBOX_GROUP);
  return out;
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: write it
  }
  // temp + rename, so a harness starting meanwhile never sees a half-written passwd.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
