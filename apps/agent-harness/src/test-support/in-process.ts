import path from 'node:path';
import { pino } from 'pino';
import type { HarnessFrame } from '@hive/protocol';
import { tempDir } from '@hive/testkit';
import type { HarnessConfig } from '../config.js';
import { Harness } from '../harness.js';
import { fakeClaudePath } from '../testing.js';
import { TEST_DAEMON_KEY_SHA256 } from './harness-process.js';

/** A harness wired in this process (no port), with fake claude, recording every frame it broadcasts. */
export function inProcessHarness(over: Partial<HarnessConfig> = {}): { harness: Harness; frames: HarnessFrame[]; claudeLog: string; stateDir: string } {
  const dir = tempDir('hive-harness-');
  const claudeLog = path.join(dir, 'claude.log');
  process.env.FAKE_CLAUDE_LOG = claudeLog;
  process.env.FAKE_CLAUDE_DELAY_MS = '10';
  const config: HarnessConfig = {
    name: 'coder',
    label: 'coder',
    port: 0,
    host: '127.0.0.1',
    dashboardPort: null,
    token: 'agent-token-123',
    stateDir: path.join(dir, 'state'),
    workDir: dir,
    daemonUrl: 'http://127.0.0.1:9',
    isManager: false,
    managerName: 'hm1nd',
    defaultModel: 'sonnet',
    mcpServers: {},
    claudeCommand: [process.execPath, fakeClaudePath],
    bindTries: 12,
    bindRetryMs: 1000,
    daemonKeySha256: TEST_DAEMON_KEY_SHA256,
    ...over,
  };
  const harness = new Harness(config, pino({ level: 'silent' }));
  const frames: HarnessFrame[] = [];
  const broadcast = harness.hub.broadcast.bind(harness.hub);
  harness.hub.broadcast = (f) => {
    frames.push(f);
    broadcast(f);
  };
  return { harness, frames, claudeLog, stateDir: config.stateDir };
}
