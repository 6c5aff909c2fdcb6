// Sums the gzip size of every built JS/CSS/HTML file so `pnpm bench` can report it from dist/bundle-size.json.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const LIMIT = 100 * 1024;

/** gzip -9 and raw bytes of every .js, .css and .html under `dist` (the bench reuses this count). */
export function measureBundle(dist) {
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
  return { gzip, raw, files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(import.meta.dirname, '../dist');
  const { gzip, raw } = measureBundle(dist);
  writeFileSync(path.join(dist, 'bundle-size.json'), JSON.stringify({ gzip_bytes: gzip, raw_bytes: raw }) + '\n');
  console.log(`dashboard bundle: ${(gzip / 1024).toFixed(1)} KB gzip (${(raw / 1024).toFixed(1)} KB raw), limit ${LIMIT / 1024} KB`);
  if (gzip > LIMIT) {
    console.error(`dashboard bundle over the ${LIMIT / 1024} KB gzip budget`);
    process.exit(1);
  }
}
