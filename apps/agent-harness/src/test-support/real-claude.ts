import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import type { HarnessFrame } from '@hive/protocol';
import { claudeOfflineEnv, startScriptedApi, tempDir, type Scenario, type ScriptedApi } from '@hive/testkit';
import { resolveClaudeCommand } from '../claude-bin.js';
import { AGENT_SETTINGS_DEFAULTS, type HarnessConfig } from '../config.js';
import { Harness } from '../harness.js';

/** The real claude CLI as the harness runs it by default; throws when the pinned CLI is not installed. */
export function realClaudeCommand(): string[] {
  const cmd = resolveClaudeCommand();
  if (!cmd) throw new Error('the claude CLI is not installed: run pnpm install (it brings @anthropic-ai/claude-code)');
  return cmd;
}

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

export interface RealHarness {
  harness: Harness;
  api: ScriptedApi;
  daemon: DaemonStandIn;
  frames: HarnessFrame[];
  stateDir: string;
  close(): Promise<void>;
}

/** A harness wired in this process running the REAL claude against a scripted API, its tools against a daemon stand-in. */
export async function realHarness(scenario: Scenario, over: Partial<HarnessConfig> = {}, opts: { apiUrl?: string } = {}): Promise<RealHarness> {
  const dir = tempDir('hive-real-');
  const stateDir = path.join(dir, 'state');
  const api = await startScriptedApi(scenario);
  const daemon = await startDaemonStandIn();
  const config: HarnessConfig = {
    name: 'coder',
    label: 'coder',
    port: 0,
    host: '127.0.0.1',
    dashboardPort: null,
    token: 'agent-token-123',
    stateDir,
    workDir: stateDir,
    daemonUrl: daemon.url,
    isManager: false,
    managerName: 'hm1nd',
    defaultModel: 'sonnet',
    mcpServers: {},
    claudeCommand: realClaudeCommand(),
    ...AGENT_SETTINGS_DEFAULTS,
    bindTries: 12,
    bindRetryMs: 1000,
    daemonKeySha256: null,
    ...over,
  };
  // state/<n> is the agent's HOME, as in production.
  const env = claudeOfflineEnv({ apiUrl: opts.apiUrl ?? api.url, home: stateDir });
  const harness = new Harness(config, pino({ level: 'silent' }), { env });
  const frames: HarnessFrame[] = [];
  const broadcast = harness.hub.broadcast.bind(harness.hub);
  harness.hub.broadcast = (f) => {
    frames.push(f);
    broadcast(f);
  };
  return {
    harness,
    api,
    daemon,
    frames,
    stateDir,
    close: async () => {
      await harness.close();
      await api.close();
      await daemon.close();
    },
  };
}
