/** Reads what rules match on out of a Messages API request body. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConversationFacts {
  model: string | null;
  stream: boolean;
  toolNames: string[];
  lastUserText: string;
  lastToolResult: string;
  hasToolResult: boolean;
}

// claude prepends <system-reminder> blocks to user turns; a rule about what the user said must not match those.
const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

const withoutReminders = (s: string): string => s.replace(REMINDER, '').trim();

// claude appends reminders (e.g. tokens left) to tool results too; a tool's output is what it printed.
function toolResultText(block: Obj): string {
  const c = block.content;
  if (typeof c === 'string') return withoutReminders(c);
  if (!Array.isArray(c)) return '';
  return c
    .filter((b): b is Obj => isObj(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => withoutReminders(b.text as string))
    .join('\n');
}

function messageText(content: unknown): { text: string; hasToolResult: boolean } {
  if (typeof content === 'string') return { text: withoutReminders(content), hasToolResult: false };
  if (!Array.isArray(content)) return { text: '', hasToolResult: false };
  const parts: string[] = [];
  let hasToolResult = false;
  for (const block of content) {
    if (!isObj(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      const t = withoutReminders(block.text);
      if (t) parts.push(t);
    } else if (block.type === 'tool_result') {
      hasToolResult = true;
      parts.push(toolResultText(block));
    }
  }
  return { text: parts.join('\n'), hasToolResult };
}

/** The facts of one request body; tolerant of anything that is not a well-formed Messages request. */
export function readConversation(body: unknown): ConversationFacts {
  const b = isObj(body) ? body : {};
  const messages = Array.isArray(b.messages) ? b.messages.filter(isObj) : [];
  // Requests end with a system-role message, so the last user message is not simply the last one.
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const { text, hasToolResult } = lastUser ? messageText(lastUser.content) : { text: '', hasToolResult: false };
  let lastToolResult = '';
  outer: for (let i = messages.length - 1; i >= 0; i--) {
    const content = messages[i]!.content;
    if (!Array.isArray(content)) continue;
    for (let j = content.length - 1; j >= 0; j--) {
      const block = content[j];
      if (isObj(block) && block.type === 'tool_result') {
        lastToolResult = toolResultText(block);
        break outer;
      }
    }
  }
  const tools = Array.isArray(b.tools) ? b.tools.filter(isObj) : [];
  return {
    model: typeof b.model === 'string' ? b.model : null,
    stream: b.stream === true,
    toolNames: tools.map((t) => t.name).filter((n): n is string => typeof n === 'string'),
    lastUserText: text,
    lastToolResult,
    hasToolResult,
  };
}
