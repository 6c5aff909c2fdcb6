import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { stateLayout } from '@hive/core';
import { SYSTEM_DIRS, TOP_LINKS, covered, etcLinkTargets, hideUnreadable, topLevelLinks } from './host-view.js';
import { AGENT_GID, AGENT_UID, type SandboxIdentity } from './identity.js';

export type SandboxMode = 'auto' | 'bwrap' | 'none';

/** One directory the harness sees: `source` on the host at `target` in the sandbox. */
export interface Mount {
  source: string;
  target: string;
  writable: boolean;
  /** The env variable that tells the harness where it is. */
  envVar: string;
}

/** Absolute path of an executable `bin` on PATH, or null. */
export function findExecutable(bin: string, searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The nspawn bind layout (SPEC §3): the manager gets /agents RW, /applied and /meta RO; everyone its
 * state/<n> at /state RW and, given `reloadDir`, the runtime's settings-reload drop at /hive-reload RO.
 */
export function agentMounts(o: { stateRoot: string; stateDir: string; isManager: boolean; reloadDir?: string }): Mount[] {
  const layout = stateLayout(o.stateRoot);
  const mounts: Mount[] = [{ source: path.resolve(o.stateDir), target: '/state', writable: true, envVar: 'HIVE_STATE' }];
  if (o.reloadDir) mounts.push({ source: path.resolve(o.reloadDir), target: '/hive-reload', writable: false, envVar: 'HIVE_RELOAD_DIR' });
  if (o.isManager) {
    mounts.push(
      { source: layout.agentsDir, target: '/agents', writable: true, envVar: 'HIVE_AGENTS_DIR' },
      { source: layout.appliedRoot, target: '/applied', writable: false, envVar: 'HIVE_APPLIED_DIR' },
      { source: layout.metaDir, target: '/meta', writable: false, envVar: 'HIVE_META_DIR' },
    );
  }
  return mounts;
}

/** Env pointing the harness at its dirs: sandbox paths under bwrap, host paths without. */
export function mountEnv(mounts: Mount[], sandboxed: boolean): Record<string, string> {
  return Object.fromEntries(mounts.map((m) => [m.envVar, sandboxed ? m.target : m.source]));
}

/** The directory to expose for one absolute path of the harness command: its workspace, package, or install prefix. */
export function appRoot(file: string): string {
  return appRootOf(file).dir;
}

function appRootOf(file: string): { dir: string; loose: boolean } {
  const real = realpathSync(file);
  const dir = lstatSync(real).isDirectory() ? real : path.dirname(real);
  // node itself (…/bin/node): expose the whole install prefix, for its lib/.
  if (path.basename(dir) === 'bin' && !existsSync(path.join(dir, '..', 'package.json'))) return { dir: path.dirname(dir), loose: false };
  let pkg: string | null = null;
  for (let d = dir; ; d = path.dirname(d)) {
    // The workspace root holds node_modules/.pnpm, where every dependency really lives.
    if (existsSync(path.join(d, 'pnpm-workspace.yaml'))) return { dir: d, loose: false };
    if (!pkg && existsSync(path.join(d, 'package.json'))) pkg = d;
    if (path.dirname(d) === d) break;
  }
  return pkg ? { dir: pkg, loose: false } : { dir, loose: true };
}

/** Absolute paths in HIVE_CLAUDE_CMD (a plain command or a JSON argv), which the harness must be able to run. */
export function claudeCommandPaths(value: string | undefined): string[] {
  if (!value) return [];
  let argv: unknown = [value.trim()];
  if (value.trim().startsWith('[')) {
    try {
      argv = JSON.parse(value);
    } catch {
      return [];
    }
  }
  return Array.isArray(argv) ? argv.filter((a): a is string => typeof a === 'string' && path.isAbsolute(a)) : [];
}

/**
 * The isolation every hyperhive sandbox gets: its own user namespace with the agent's
 * fixed non-root uid, no capabilities, no further user namespaces (so no nested
 * "root" to remount a read-only bind with), its own session (no TIOCSTI into the
 * daemon's terminal), pid/ipc/uts namespaces, and death with the daemon.
 */
export function isolationArgs(o: { disableUserns?: boolean } = {}): string[] {
  return [
    '--unshare-user', '--uid', String(AGENT_UID), '--gid', String(AGENT_GID),
    ...(o.disableUserns === false ? [] : ['--disable-userns']),
    '--cap-drop', 'ALL',
    '--new-session',
    '--unshare-pid', '--unshare-ipc', '--unshare-uts',
    '--die-with-parent',
  ];
}

const features = new Map<string, { disableUserns: boolean }>();
/** What the installed bwrap can do (`--disable-userns` needs 0.8); asked once per binary. */
export function bwrapFeatures(bwrap: string): { disableUserns: boolean } {
  let f = features.get(bwrap);
  if (!f) {
    let help = '';
    try {
      help = execFileSync(bwrap, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      help = String((e as { stdout?: unknown }).stdout ?? '');
    }
    f = { disableUserns: help.includes('--disable-userns') };
    features.set(bwrap, f);
  }
  return f;
}

/** bwrap's argv (without the `bwrap` itself) that runs `command` in a fresh root with the agent's mounts, as AGENT_UID. */
export function bwrapArgs(o: {
  name: string;
  command: string[];
  mounts: Mount[];
  stateRoot: string;
  extraReadOnly?: string[];
  /** Absolute paths the harness runs besides its own command (e.g. the claude CLI). */
  runs?: string[];
  /** passwd/group naming AGENT_UID (writeSandboxIdentity); without them the host's are seen. */
  identity?: SandboxIdentity;
  /** false for a bwrap older than 0.8 (bwrapFeatures); the kernel's mount locks still hold. */
  disableUserns?: boolean;
}): string[] {
  const args: string[] = [];
  const bound: string[] = [];
  const roBind = (p: string) => {
    if (covered(p, bound)) return;
    args.push('--ro-bind', p, p);
    bound.push(p);
  };
  const systemDirs = SYSTEM_DIRS.filter((d) => existsSync(d));
  for (const d of systemDirs) roBind(d);
  // Debian's merged /usr makes /bin & co. symlinks; recreate them as such rather than binding twice.
  args.push(...topLevelLinks(roBind));
  // systemd-resolved hosts point /etc/resolv.conf into /run, which is not bound: bring the target along or DNS dies.
  args.push(...etcLinkTargets(bound));
  args.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  const root = path.resolve(o.stateRoot);
  for (const p of [...o.command, ...(o.runs ?? [])].filter((a) => path.isAbsolute(a) && existsSync(a))) {
    const app = appRootOf(p);
    // A loose script next to the state root (a test's temp dir) is exposed alone, not with its neighbours.
    if (app.loose && covered(root, [app.dir])) {
      if (!covered(p, bound)) args.push('--ro-bind', realpathSync(p), p);
    } else roBind(app.dir);
    // A symlinked entry point (~/.local/bin/claude → …/versions/x) must exist at the path it is called by.
    if (!covered(p, bound) && realpathSync(p) !== p) args.push('--ro-bind', realpathSync(p), p);
  }
  for (const a of o.extraReadOnly ?? []) roBind(path.resolve(a));
  // After every bind, so no later bind of a parent can bring them back.
  args.push(...hideUnreadable(bound.filter((b) => covered(b, systemDirs) || TOP_LINKS.includes(b))));
  if (o.identity) args.push('--ro-bind', o.identity.passwd, '/etc/passwd', '--ro-bind', o.identity.group, '/etc/group');
  // A state root inside the repo (or any bound dir) must not be readable through that bind.
  if (covered(root, bound)) args.push('--tmpfs', root);
  for (const m of o.mounts) args.push(m.writable ? '--bind' : '--ro-bind', m.source, m.target);
  args.push(
    '--chdir', '/state',
    ...isolationArgs({ disableUserns: o.disableUserns }),
    '--hostname', `h-${o.name}`,
    '--',
    ...o.command,
  );
  return args;
}
