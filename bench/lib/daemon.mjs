// A real `hive up` as a child process, as the daemon's own tests drive it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BENCH_OPERATOR_TOKEN, REPO, log } from './util.mjs';

const CLI = path.join(REPO, 'apps/daemon/dist/cli.js');
const live = new Set();

// A failed or interrupted bench must not leave daemons (and their harnesses) behind.
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    for (const c of live) c.kill('SIGKILL');
    process.exit(130);
  });
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts the daemon on `port` (0 = any) over `stateDir` and resolves once its banner says it is up; `nodeArgs` e.g. --cpu-prof. */
export function startDaemon({ stateDir, port = 0, env = {}, nodeArgs = [], timeoutMs = 300_000 }) {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'up', '--port', String(port)], {
    env: { ...process.env, HIVE_LOG_LEVEL: 'warn', HIVE_OPERATOR_TOKEN: BENCH_OPERATOR_TOKEN, ...env, HIVE_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => live.delete(child));
  const onData = (d) => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not come up in ${timeoutMs / 1000} s:\n${out.slice(-3000)}`));
    }, timeoutMs);
    const check = () => {
      const m = /hyperhive up · dashboard (http:\/\/[^/\s]+)\//.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      const upMs = performance.now() - started;
      resolve({
        url: m[1],
        pid: child.pid,
        upMs,
        output: () => out,
        exited,
        async stop(graceMs = 60_000) {
          child.kill('SIGTERM');
          const t = setTimeout(() => {
            log(`daemon ${child.pid} ignored SIGTERM for ${graceMs / 1000} s: SIGKILL`);
            child.kill('SIGKILL');
          }, graceMs);
          await exited;
          clearTimeout(t);
        },
      });
    };
    child.stdout.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code ?? signal}) before coming up:\n${out.slice(-3000)}`));
    });
  });
}

/** VmRSS and VmHWM of a process in bytes, from /proc. */
export async function memoryOf(pid) {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
