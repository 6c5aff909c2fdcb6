import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Host dirs a harness sandbox sees read-only: the OS, nix, and NixOS's system profile. */
export const SYSTEM_DIRS = ['/usr', '/etc', '/nix', '/run/current-system'];
const ETC_LINKS = ['/etc/resolv.conf', '/etc/hosts', '/etc/localtime'];
/** Top-level dirs that merged-/usr hosts make symlinks (bound as dirs elsewhere, and then scanned too). */
export const TOP_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/**
 * Host state that changes under a running sandbox's feet (nix's temproots, gc roots and db come
 * and go with every nix process): never walked, shown as an empty read-only dir. An agent has no
 * use for it — without the daemon socket it cannot use the store's nix anyway.
 */
const VOLATILE = ['/nix/var'];
// World-readable by construction and far too big to walk, or volatile (above).
const NO_SCAN = ['/nix/store', ...VOLATILE];

/** Whether `p` is one of `roots` or inside one. */
export function covered(p: string, roots: string[]): boolean {
  return roots.some((r) => p === r || p.startsWith(r.endsWith('/') ? r : r + '/'));
}

/** bwrap args for the merged-/usr top-level links (/bin → usr/bin): recreated as links, else bound as dirs. */
export function topLevelLinks(roBind: (p: string) => void): string[] {
  const args: string[] = [];
  for (const d of TOP_LINKS) {
    if (!existsSync(d)) continue;
    if (lstatSync(d).isSymbolicLink()) args.push('--symlink', readlinkSync(d), d);
    else roBind(d);
  }
  return args;
}

/** bwrap args binding the real targets of /etc/resolv.conf & co. when they live outside `bound` (systemd-resolved's /run). */
export function etcLinkTargets(bound: string[]): string[] {
  const args: string[] = [];
  for (const f of ETC_LINKS) {
    try {
      const real = realpathSync(f);
      if (!covered(real, bound)) args.push('--ro-bind', real, real);
    } catch {
      // absent or dangling
    }
  }
  return args;
}

const hiddenCache = new Map<string, { dirs: string[]; files: string[] }>();

/**
 * Entries under `roots` that "others" may not read (dirs: not r-x for others; files: not r).
 * Inside the sandbox the agent's uid maps to the host uid that runs bwrap (root), so the
 * owner bits of every root-owned file would apply: /etc/shadow, ssh host keys, the
 * nix-daemon socket. The sandbox shows only what any local user could read anyway.
 * Walked once per process per root set.
 */
export function unreadableEntries(roots: string[]): { dirs: string[]; files: string[] } {
  const key = roots.join('\0');
  const hit = hiddenCache.get(key);
  if (hit) return hit;
  const out = findUnreadable(roots) ?? walkUnreadable(roots);
  hiddenCache.set(key, out);
  return out;
}

/** GNU find does the walk about twice as fast as node; null when there is no GNU find. */
function findUnreadable(roots: string[]): { dirs: string[]; files: string[] } | null {
  const existing = roots.filter((r) => existsSync(r));
  if (existing.length === 0) return { dirs: [], files: [] };
  const prune = NO_SCAN.flatMap((p, i) => [...(i ? ['-o'] : []), '-path', p]);
  let text: string;
  try {
    text = execFileSync(
      'find',
      [...existing, '(', ...prune, ')', '-prune', '-o', '-type', 'l', '-o',
        '(', '-type', 'd', '!', '-perm', '-o=rx', '-printf', 'd %p\\0', '-prune', ')', '-o',
        '(', '!', '-type', 'd', '!', '-perm', '-o=r', '-printf', 'f %p\\0', ')'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (e) {
    // Exit 1 with output is a vanished file mid-walk; no output means no usable find.
    text = String((e as { stdout?: unknown }).stdout ?? '');
    if (!text) return null;
  }
  const out = { dirs: [] as string[], files: [] as string[] };
  for (const rec of text.split('\0').filter(Boolean)) (rec.startsWith('d ') ? out.dirs : out.files).push(rec.slice(2));
  return out;
}

function walkUnreadable(roots: string[]): { dirs: string[]; files: string[] } {
  const out = { dirs: [] as string[], files: [] as string[] };
  const visit = (p: string) => {
    if (covered(p, NO_SCAN)) return;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return; // its target is judged where it lives (or is not in the sandbox)
    if (st.isDirectory()) {
      if ((st.mode & 0o005) !== 0o005) return void out.dirs.push(p);
      let names: string[];
      try {
        names = readdirSync(p);
      } catch {
        return void out.dirs.push(p);
      }
      for (const n of names) visit(path.join(p, n));
    } else if ((st.mode & 0o004) === 0) out.files.push(p);
  };
  for (const r of roots) visit(r);
  return out;
}

/** bwrap args that blank every unreadable entry of `roots`: an empty read-only tmpfs per dir, /dev/null per file. */
export function hideUnreadable(roots: string[]): string[] {
  const { dirs, files } = unreadableEntries(roots);
  const args: string[] = [];
  for (const v of VOLATILE) if (covered(v, roots) && existsSync(v)) args.push('--tmpfs', v, '--remount-ro', v);
  // The walk is cached per process: an entry that has gone since would make bwrap fail to mount over it.
  for (const d of dirs) if (existsSync(d)) args.push('--tmpfs', d, '--remount-ro', d);
  for (const f of files) if (existsSync(f)) args.push('--ro-bind', '/dev/null', f);
  return args;
}
