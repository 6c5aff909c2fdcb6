/** The page's slash commands: names, usage and one-line help, shared by the hint list and `/help`. */
export interface SlashCommand {
  name: string;
  usage: string;
  help: string;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  { name: 'model', usage: '/model [name]', help: 'show the model, or switch it from the next turn on' },
  { name: 'status', usage: '/status', help: 'name, model, busy, queue, port' },
  { name: 'cancel', usage: '/cancel', help: 'stop the running turn' },
  { name: 'clear', usage: '/clear', help: 'clear this view (the history stays)' },
  { name: 'help', usage: '/help', help: 'list the commands' },
];

export type ParsedSlash =
  | { kind: 'command'; name: string; arg: string }
  | { kind: 'unknown'; name: string }
  | { kind: 'text' };

/** Splits `/name arg…`; `//text` is an escape that sends `/text` as a plain message. */
export function parseSlash(input: string): ParsedSlash {
  const t = input.trim();
  if (!t.startsWith('/') || t.startsWith('//')) return { kind: 'text' };
  const m = /^\/(\S*)\s*([\s\S]*)$/.exec(t)!;
  const name = (m[1] ?? '').toLowerCase();
  const cmd = SLASH_COMMANDS.find((c) => c.name === name);
  return cmd ? { kind: 'command', name, arg: (m[2] ?? '').trim() } : { kind: 'unknown', name };
}

/** Commands matching what is typed so far (only while the first word is being typed). */
export function slashHints(input: string): SlashCommand[] {
  if (!input.startsWith('/') || input.startsWith('//') || /\s/.test(input)) return [];
  const prefix = input.slice(1).toLowerCase();
  return SLASH_COMMANDS.filter((c) => c.name.startsWith(prefix));
}

/** Tab completion: the unique (or first) matching command, with a trailing space. */
export function completeSlash(input: string): string | null {
  const hints = slashHints(input);
  return hints[0] ? `/${hints[0].name} ` : null;
}

/** The text `/help` prints, also used for unknown commands. */
export function helpText(): string {
  return SLASH_COMMANDS.map((c) => `${c.usage.padEnd(14)} ${c.help}`).join('\n') + `\n${'//text'.padEnd(14)} send a message that starts with /`;
}

/** What the page sends for a message typed with the `//` escape. */
export function messageText(input: string): string {
  const t = input.trim();
  return t.startsWith('//') ? t.slice(1) : t;
}
