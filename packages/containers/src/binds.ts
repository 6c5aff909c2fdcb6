import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { insideRoot, validateAgentName } from '@hive/core';
import { UnsafeNspawnFlagError } from './errors.js';

/** Where one agent's bind sources live on the host. */
export interface BindLayout {
  /** HIVE_STATE_DIR. */
  stateRoot: string;
  name: string;
  isManager: boolean;
}

interface Bind {
  source: string;
  target: string;
  readOnly: boolean;
}

// The manager edits every proposed repo, reads applied (RO so git plumbing inside
// cannot corrupt the deployed truth, and push is blocked by the kernel) and meta.
function bindsOf(o: BindLayout): Bind[] {
  const name = validateAgentName(o.name);
  const root = path.resolve(o.stateRoot);
  const own: Bind = { source: insideRoot(root, 'state', name), target: '/state', readOnly: false };
  if (!o.isManager) return [own];
  return [
    { source: insideRoot(root, 'agents'), target: '/agents', readOnly: false },
    { source: insideRoot(root, 'applied'), target: '/applied', readOnly: true },
    { source: insideRoot(root, 'meta'), target: '/meta', readOnly: true },
    own,
  ];
}

// nixos' container start script expands $EXTRA_NSPAWN_FLAGS unquoted, and nspawn
// splits a bind on ':' — so a path with either cannot be expressed; refuse it.
const UNSAFE = /[\s"'`$\\:]|[\x00-\x1f\x7f]/;

/** The systemd-nspawn bind flags of one agent, in a fixed order (manager: /agents RW, /applied RO, /meta RO, then /state RW). */
export function nspawnBindFlags(o: BindLayout): string[] {
  return bindsOf(o).map((b) => {
    if (UNSAFE.test(b.source)) throw new UnsafeNspawnFlagError(b.source);
    return `${b.readOnly ? '--bind-ro' : '--bind'}=${b.source}:${b.target}`;
  });
}

/** mkdir -p every bind source on the host, so nspawn's missing-source check cannot trip on a cold start. */
export async function ensureBindSources(o: BindLayout): Promise<void> {
  for (const b of bindsOf(o)) await mkdir(b.source, { recursive: true });
}
