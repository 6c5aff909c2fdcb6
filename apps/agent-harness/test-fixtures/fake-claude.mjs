#!/usr/bin/env node
// Stands in for the `claude` CLI in tests: records its argv, then speaks stream-json.
// Prompt contains FAIL → stderr + exit 1; SLOW → sleeps a minute (for /cancel).
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const argv = process.argv.slice(2);
if (process.env.FAKE_CLAUDE_LOG) appendFileSync(process.env.FAKE_CLAUDE_LOG, JSON.stringify(argv) + '\n');

const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const prompt = opt('-p') ?? '';
const model = opt('--model') ?? 'default';
const session = opt('--resume') ?? randomUUID();
const delay = Number(process.env.FAKE_CLAUDE_DELAY_MS ?? 40);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (ev) => process.stdout.write(JSON.stringify(ev) + '\n');

if (prompt.includes('FAIL')) {
  process.stderr.write('Error: fake claude was told to FAIL\n');
  process.exit(1);
}

emit({ type: 'system', subtype: 'init', session_id: session, model, cwd: process.cwd(), tools: [], mcp_servers: [] });
if (prompt.includes('SLOW')) await sleep(60_000);

const reply = `echo: ${prompt}`;
const chunks = reply.match(/.{1,6}/gs) ?? [reply];
for (const text of chunks) {
  await sleep(delay);
  emit({ type: 'stream_event', session_id: session, event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } });
}
emit({ type: 'assistant', session_id: session, message: { id: 'msg_fake', role: 'assistant', model, content: [{ type: 'text', text: reply }] } });
emit({ type: 'result', subtype: 'success', is_error: false, result: reply, session_id: session, num_turns: 1, total_cost_usd: 0 });
