#!/usr/bin/env node
// Records the real claude CLI's stream-json output against the scripted API, for parser fixtures.
// Usage: pnpm --filter @hive/testkit build && node packages/testkit/scripts/record-claude-stream.mjs apps/agent-harness/test-fixtures
// Re-run after bumping @anthropic-ai/claude-code and review the diff.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { claudeOfflineEnv, commitFiles, initRepo, runClaudeCli, startScriptedApi, tempDir } from '../dist/index.js';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: record-claude-stream.mjs <out-dir>');
  process.exit(2);
}
const args = (prompt, extra = []) => ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--model', 'claude-sonnet-4-5', ...extra];

async function record(name, scenario, argv, cwd) {
  const api = await startScriptedApi(scenario);
  try {
    const run = await runClaudeCli(argv, { cwd, env: claudeOfflineEnv({ apiUrl: api.url, home: tempDir('hive-claude-home-') }) });
    const file = path.join(outDir, `real-claude-${name}.jsonl`);
    writeFileSync(file, run.stdout.endsWith('\n') ? run.stdout : run.stdout + '\n');
    console.log(`${file}: exit ${run.exitCode}, ${run.events.length} events, ${api.messages().length} API calls`);
  } finally {
    await api.close();
  }
}

await record(
  'text',
  { rules: [{ lastUserText: 'greet', reply: { text: 'Hello from the scripted API. This reply streams in several deltas.' } }], usage: { input_tokens: 1200, output_tokens: 34, cache_read_input_tokens: 300 } },
  args('greet the operator'),
  tempDir('hive-claude-cwd-'),
);

const repo = await initRepo();
const sha = await commitFiles(repo, { 'README.md': 'fixture\n' });
await record(
  'tool',
  [
    { hasToolResult: false, reply: { blocks: [{ text: 'Checking HEAD.' }, { toolUse: { name: 'Bash', input: { command: 'git rev-parse HEAD', description: 'Print the HEAD commit' } } }] } },
    { hasToolResult: true, reply: (ctx) => ({ text: `HEAD is ${ctx.lastToolResult}` }) },
  ],
  args('what is the HEAD commit?', ['--allowedTools', 'Bash']),
  repo,
);
console.log(`tool fixture sha: ${sha}`);

await record('error', [{ reply: { error: { status: 500, type: 'api_error', message: 'scripted internal failure' } } }], args('hi'), tempDir('hive-claude-cwd-'));
