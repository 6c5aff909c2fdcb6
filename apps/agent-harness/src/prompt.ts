import type { ChatEntry, InboxItem } from '@hive/protocol';

/** The chat-log role an inbox item is shown with. */
export function inboxRole(item: InboxItem): ChatEntry['role'] {
  return item.kind;
}

/** The prompt claude gets for one inbox item: operator text as typed, everything else tagged with its source. */
export function promptFor(item: InboxItem): string {
  switch (item.kind) {
    case 'operator':
      // claude reads the prompt as a positional argument: never let it look like a flag.
      return item.text.startsWith('-') ? `operator: ${item.text}` : item.text;
    case 'event': {
      const type = item.event?.type ?? 'event';
      const data = item.event ? ` ${JSON.stringify(item.event.data)}` : '';
      return `[event ${type} from ${item.from}]${data}\n${item.text}`.trimEnd();
    }
    case 'message':
      return `[message from ${item.from}]\n${item.text}`;
    case 'answer':
      return `[answer from the operator (${item.from})]\n${item.text}`;
  }
}
