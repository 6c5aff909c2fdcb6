import { z } from 'zod';
import { ChatEntry, ErrorBody, HarnessState, HarnessUsageState } from '@hive/protocol';

/** What the page reads of `/api/state`: the harness state with activity and today's usage. */
export const PageState = HarnessState.extend(HarnessUsageState.shape);
export type PageState = z.infer<typeof PageState>;

/** One failed call to the harness API, with the server's one-line error. */
export class ApiError extends Error {}

async function call<T>(path: string, init: RequestInit, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(path, init);
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorBody.safeParse(json);
    throw new ApiError(e.success ? e.data.error : `request failed (${res.status})`);
  }
  return schema.parse(json);
}

const jsonInit = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The harness's HTTP API as the page uses it; every answer is parsed with the shared schemas. */
export const api = {
  state: () => call('api/state', {}, PageState),
  history: () => call('api/history', {}, z.object({ entries: z.array(ChatEntry) })).then((r) => r.entries),
  setModel: (model: string) =>
    call('api/model', { method: 'POST', body: new URLSearchParams({ model }) }, PageState),
  chat: (text: string) => call('api/chat', jsonInit({ text }), z.object({ entry: ChatEntry, state: PageState })),
  cancel: () => call('api/cancel', jsonInit({}), z.object({ cancelled: z.boolean(), state: PageState })),
};
