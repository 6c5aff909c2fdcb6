import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  statSync,
  type WriteStream,
} from 'node:fs';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
const live = new Set<HarnessChild>();
let exitHookInstalled = false;

// Whatever way the daemon leaves (error, process.exit), its harnesses go with it;
// SIGKILL of the daemon is covered by bwrap's --die-with-parent / setpriv's pdeathsig.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** One supervised harness process: output kept in a ring of lines and appended to a log file. */
export class HarnessChild {
  readonly exited: Promise<ExitInfo>;
  /** Set before any signal we send, so the exit is not mistaken for a crash. */
  expected = false;
  private readonly proc: ChildProcess;
  private readonly ring: string[] = [];
  private readonly partial = { out: '', err: '' };
  private readonly log: WriteStream;
  private done = false;

  constructor(o: {
    argv: string[];
    env: Record<string, string>;
    cwd: string;
    logFile: string;
    ringLines?: number;
    /** Signal the process's descendants instead of it (bwrap: the harness is a grandchild). */
    signalDescendants?: boolean;
  }) {
    const ringLines = o.ringLines ?? 500;
    rotate(o.logFile);
    this.log = createWriteStream(o.logFile, { flags: 'a' });
    this.log.on('error', () => {}); // a full disk must not take the daemon down
    this.signalDescendants = o.signalDescendants ?? false;
    const [file, ...args] = o.argv as [string, ...string[]];
    this.proc = spawn(file, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    const take = (key: 'out' | 'err') => (chunk: Buffer) => {
      const text = this.partial[key] + chunk.toString('utf8');
      const lines = text.split('\n');
      this.partial[key] = lines.pop() ?? '';
      for (const l of lines) this.push(l, ringLines);
      this.log.write(chunk);
    };
    this.proc.stdout!.on('data', take('out'));
    this.proc.stderr!.on('data', take('err'));
    live.add(this);
    installExitHook();
    this.exited = new Promise((resolve) => {
      const finish = (info: ExitInfo) => {
        if (this.done) return;
        this.done = true;
        live.delete(this);
        for (const key of ['out', 'err'] as const) if (this.partial[key]) this.push(this.partial[key], ringLines);
        this.log.end();
        resolve(info);
      };
      // 'close' waits for the pipes, so the tail holds the child's last words.
      this.proc.on('close', (code, signal) => finish({ code, signal }));
      this.proc.on('error', (e) => {
        this.push(`spawn failed: ${e.message}`, ringLines);
        finish({ code: null, signal: null });
      });
    });
  }

  private readonly signalDescendants: boolean;

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  private push(line: string, max: number): void {
    this.ring.push(line);
    if (this.ring.length > max) this.ring.splice(0, this.ring.length - max);
  }

  /** The last `lines` lines of output. */
  tail(lines = 50): string {
    return this.ring.slice(-lines).join('\n');
  }

  /** Sends `signal` to the harness (and its descendants); SIGKILL also takes the sandbox down. */
  kill(signal: NodeJS.Signals): void {
    const pid = this.proc.pid;
    if (!pid || this.done) return;
    const targets = descendants(pid);
    if (!this.signalDescendants || signal === 'SIGKILL') targets.push(pid);
    for (const p of targets) {
      try {
        process.kill(p, signal);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs: number): Promise<ExitInfo> {
    this.expected = true;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Every descendant of `pid`, children first, from /proc (empty where /proc has no children files). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
      } catch {
        continue;
      }
      for (const k of kids.split(/\s+/).filter(Boolean).map(Number)) {
        out.push(k);
        visit(k);
      }
    }
  };
  visit(pid);
  return out;
}

function rotate(file: string): void {
  try {
    if (existsSync(file) && statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // rotation is best effort
  }
}

/** Last `lines` lines of a log file (for agents started by an earlier daemon); reads at most its last 256 KB. */
export function tailFile(file: string, lines: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const all = buf.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
