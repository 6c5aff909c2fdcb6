import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Who listens on a TCP port: the pid and command line when /proc shows them, else nulls. */
export interface PortHolder {
  pid: number | null;
  command: string | null;
}

const LISTEN = '0A';

/** Socket inodes listening on `port` (any address, IPv4 or IPv6), from /proc/net/tcp{,6}. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6, or no /proc: nothing to learn there
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      const local = f[1]!;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9] !== '0') inodes.add(f[9]!);
    }
  }
  return inodes;
}

function commandOf(pid: number): string | null {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const text = argv.join(' ');
    return text ? (text.length > 120 ? `${text.slice(0, 120)}…` : text) : null;
  } catch {
    return null;
  }
}

/**
 * The process listening on `port` in this network namespace, or null when nothing listens.
 * Reads /proc only (no lsof/ss needed): the socket's inode from /proc/net/tcp{,6}, then the
 * process whose /proc/<pid>/fd holds it. A listener whose owner /proc hides is `{pid: null}`.
 */
export function findPortHolder(port: number): PortHolder | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return { pid: null, command: null };
  }
  for (const p of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${p}/fd/${fd}`))) return { pid: Number(p), command: commandOf(Number(p)) };
      } catch {
        // closed meanwhile
      }
    }
  }
  return { pid: null, command: null };
}

/** `pid 123 (python3 -m http.server)`, or `another process` when /proc does not say. */
export function describePortHolder(holder: PortHolder | null): string {
  if (!holder?.pid) return 'another process';
  return holder.command ? `pid ${holder.pid} (${holder.command})` : `pid ${holder.pid}`;
}
