import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@hive/testkit';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export interface DaemonProcess {
  url: string;
  stateDir: string;
  env: Record<string, string>;
  proc: ResultPromise;
  output: () => string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Runs `hive up` as a real child process on port 0 and waits for its banner. */
export async function startDaemonProcess(o: { stateDir?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<DaemonProcess> {
  const stateDir = o.stateDir ?? tempDir('hive-daemon-');
  const env: Record<string, string> = { HIVE_LOG_LEVEL: 'warn', ...o.env, HIVE_STATE_DIR: stateDir };
  const proc = execa(process.execPath, [CLI, 'up', '--port', '0', ...(o.args ?? [])], { env, reject: false, buffer: true, all: true });
  let out = '';
  proc.all!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`daemon did not come up in 90 s:\n${out}`)), 90_000);
    const check = () => {
      const m = /hyperhive up · dashboard (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    proc.all!.on('data', check);
    void proc.then((r) => {
      clearTimeout(t);
      reject(new Error(`daemon exited (${r.exitCode}) before coming up:\n${out}`));
    });
  });
  return {
    url,
    stateDir,
    env: { ...env, HIVE_URL: url },
    proc,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      await proc;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await proc;
    },
  };
}

/** Runs the `hive` CLI against a daemon; never throws, returns exit code and output. */
export async function hive(args: string[], env: Record<string, string>) {
  const r = await execa(process.execPath, [CLI, ...args], { env, reject: false });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
