import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startScriptedApi, type Scenario, type ScriptedApi } from '@hive/testkit';
import type { HarnessConfig } from '../config.js';
import { inProcessHarness, type InProcessHarness } from './in-process.js';

export interface DaemonCall {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** The daemon boundary: a real HTTP server on port 0 that records every `/api/agent/*` call. */
export interface DaemonStandIn {
  url: string;
  calls: DaemonCall[];
  of(tool: string): DaemonCall[];
  close(): Promise<void>;
}

export async function startDaemonStandIn(): Promise<DaemonStandIn> {
  const calls: DaemonCall[] = [];
  let questions = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // recorded as {}
      }
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = req.url === '/api/agent/ask_operator' ? { question_id: ++questions } : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    of: (tool) => calls.filter((c) => c.path === `/api/agent/${tool}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RealHarness extends InProcessHarness {
  api: ScriptedApi;
  daemon: DaemonStandIn;
  close(): Promise<void>;
}

/** A harness wired in this process running the REAL claude against its own scripted API, its tools against a daemon stand-in. */
export async function realHarness(scenario: Scenario, over: Partial<HarnessConfig> = {}, opts: { apiUrl?: string } = {}): Promise<RealHarness> {
  const api = await startScriptedApi(scenario);
  const daemon = await startDaemonStandIn();
  const t = inProcessHarness(opts.apiUrl ?? api.url, { daemonUrl: daemon.url, daemonKeySha256: null, ...over });
  return {
    ...t,
    api,
    daemon,
    close: async () => {
      await t.harness.close();
      await api.close();
      await daemon.close();
    },
  };
}
