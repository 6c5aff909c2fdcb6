import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repo's hostile-input corpus (test-data/hostile-inputs.json), shared by the stress tests. */
export const CORPUS_FILE = fileURLToPath(new URL('../../../../test-data/hostile-inputs.json', import.meta.url));

/** A string too big or too odd to write literally in the JSON file. */
type Generated = string | { repeat: string; times: number; prefix?: string; suffix?: string } | { nest: number; open: string; close: string; inner?: string };
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Hostile {
  value: string;
  why: string;
}
export interface Endpoint {
  id: string;
  method: 'POST' | 'DELETE';
  path: string;
  auth: 'operator' | 'manager' | 'agent';
  params?: Record<string, 'names' | 'ids'>;
  body?: Record<string, 'names' | 'shas' | 'text'>;
}
export interface Corpus {
  names: Hostile[];
  shas: Hostile[];
  models: Hostile[];
  ids: Hostile[];
  bodies: { raw: string; why: string }[];
  /** Bodies over the daemon's size limit: 413, refused before parsing. */
  oversized: { raw: string; why: string }[];
  wrongTypes: Record<string, unknown[]>;
  tokens: { header: string | null; why: string }[];
  origins: Hostile[];
  /** `adapter`: refused by @hono/node-server itself (non-canonical Host) with a bare 400, before our code runs. */
  hosts: (Hostile & { adapter: boolean })[];
  endpoints: Endpoint[];
}

/** Expands `{repeat}` and `{nest}` generators into their strings. */
export function expand(v: Generated): string {
  if (typeof v === 'string') return v;
  if ('repeat' in v) return (v.prefix ?? '') + v.repeat.repeat(v.times) + (v.suffix ?? '');
  return v.open.repeat(v.nest) + (v.inner ?? '') + v.close.repeat(v.nest);
}

function expandJson(v: Json): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'repeat' in v && 'times' in v) return expand(v as Generated);
  return v;
}

export function loadCorpus(file = CORPUS_FILE): Corpus {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const list = (k: string) => (raw[k] as { value: Generated; why: string }[]).map((h) => ({ value: expand(h.value), why: h.why }));
  const wrongTypes: Record<string, unknown[]> = {};
  for (const [k, vs] of Object.entries(raw.wrongTypes as Record<string, Json[] | string>)) {
    if (Array.isArray(vs)) wrongTypes[k] = vs.map(expandJson);
  }
  return {
    names: list('names'),
    shas: list('shas'),
    models: list('models'),
    ids: list('ids'),
    bodies: (raw.bodies as { raw: Generated; why: string }[]).map((b) => ({ raw: expand(b.raw), why: b.why })),
    oversized: (raw.oversized as { raw: Generated; why: string }[]).map((b) => ({ raw: expand(b.raw), why: b.why })),
    wrongTypes,
    tokens: raw.tokens as Corpus['tokens'],
    origins: list('origins'),
    hosts: (raw.hosts as { value: string; why: string; adapter?: boolean }[]).map((h) => ({ value: h.value, why: h.why, adapter: h.adapter === true })),
    endpoints: raw.endpoints as Endpoint[],
  };
}
