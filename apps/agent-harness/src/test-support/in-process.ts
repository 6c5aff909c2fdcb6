import path from 'node:path';
import { pino } from 'pino';
import type { HarnessFrame } from '@hive/protocol';
import { claudeOfflineEnv, tempDir } from '@hive/testkit';
import { resolveClaudeCommand } from '../claude-bin.js';
import { AGENT_SETTINGS_DEFAULTS, type HarnessConfig } from '../config.js';
import { Harness } from '../harness.js';
import { TEST_DAEMON_KEY_SHA256 } from './harness-process.js';

/** The real claude CLI as the harness runs it by default; throws when the pinned CLI is not installed. */
export function realClaudeCommand(): string[] {
  const cmd = resolveClaudeCommand();
  if (!cmd) throw new Error('the claude CLI is not installed: run pnpm install (it brings @anthropic-ai/claude-code)');
  return cmd;
}

/** A complete HarnessConfig for agent `coder` in `stateDir`, with the real CLI and the settings' defaults. */
export function testHarnessConfig(stateDir: string, over: Partial<HarnessConfig> = {}): HarnessConfig {
  return {
    name: 'coder',
    label: 'coder',
    port: 0,
    host: '127.0.0.1',
    dashboardPort: null,
    token: 'agent-token-123',
    stateDir,
    workDir: stateDir,
    // Nothing listens on port 9: fire-and-forget reports fail quietly.
    daemonUrl: 'http://127.0.0.1:9',
    isManager: false,
    managerName: 'hm1nd',
    defaultModel: 'sonnet',
    mcpServers: {},
    claudeCommand: realClaudeCommand(),
    ...AGENT_SETTINGS_DEFAULTS,
    bindTries: 12,
    bindRetryMs: 1000,
    daemonKeySha256: TEST_DAEMON_KEY_SHA256,
    ...over,
  };
}

export interface InProcessHarness {
  harness: Harness;
  /** Every frame the harness broadcast, in order. */
  frames: HarnessFrame[];
  stateDir: string;
}

/**
 * A harness wired in this process (no port) running the real claude CLI against the API at `apiUrl`
 * (a scripted one, shared by a test file), with the agent's HOME in its state dir as in production.
 */
export function inProcessHarness(apiUrl: string, over: Partial<HarnessConfig> = {}): InProcessHarness {
  const stateDir = path.join(tempDir('hive-harness-'), 'state');
  const config = testHarnessConfig(stateDir, over);
  const harness = new Harness(config, pino({ level: 'silent' }), { env: claudeOfflineEnv({ apiUrl, home: config.stateDir }) });
  const frames: HarnessFrame[] = [];
  const broadcast = harness.hub.broadcast.bind(harness.hub);
  harness.hub.broadcast = (f) => {
    frames.push(f);
    broadcast(f);
  };
  return { harness, frames, stateDir: config.stateDir };
}
