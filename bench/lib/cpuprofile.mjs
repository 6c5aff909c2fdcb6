// Reads a V8 .cpuprofile (node --cpu-prof) into inclusive milliseconds per named function.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Inclusive time of each `wanted` function ({label: [functionName, urlPart]}) in the largest
 * profile in `dir`, in ms; a function that recurses is counted once per sample.
 */
export async function inclusiveTimes(dir, wanted) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  const p = JSON.parse(texts.sort((a, b) => b.length - a.length)[0]);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const sampleTime = new Map();
  for (let i = 0; i < p.samples.length; i++) sampleTime.set(p.samples[i], (sampleTime.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const label = (n) => {
    for (const [k, [fn, url]] of Object.entries(wanted)) if (n.callFrame.functionName === fn && n.callFrame.url.includes(url)) return k;
    return null;
  };
  const out = Object.fromEntries(Object.keys(wanted).map((k) => [k, 0]));
  for (const [id, us] of sampleTime) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur));
      if (k && !seen.has(k)) {
        seen.add(k);
        out[k] += us / 1000;
      }
    }
  }
  return out;
}
