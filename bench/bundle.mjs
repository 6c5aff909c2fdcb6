// Item 7: the dashboard's gzip size, computed the way apps/dashboard/scripts/bundle-size.mjs does.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO } from './lib/util.mjs';

export function benchBundle() {
  const dist = path.join(REPO, 'apps/dashboard/dist');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: build the dashboard first (pnpm build)`);
  let gzip = 0;
  let raw = 0;
  let files = 0;
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|css|html)$/.test(e)) {
        const buf = readFileSync(p);
        raw += buf.length;
        gzip += gzipSync(buf, { level: 9 }).length;
        files++;
      }
    }
  };
  walk(dist);
  const file = path.join(dist, 'bundle-size.json');
  const recorded = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).gzip_bytes : null;
  return { gzip, raw, files, recorded };
}
