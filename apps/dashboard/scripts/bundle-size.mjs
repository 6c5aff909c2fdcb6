// Sums the gzip size of every built JS/CSS/HTML file so `pnpm bench` can report it from dist/bundle-size.json.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(import.meta.dirname, '../dist');
const LIMIT = 100 * 1024;
let gzip = 0;
let raw = 0;
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = path.join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|css|html)$/.test(e)) {
      const buf = readFileSync(p);
      raw += buf.length;
      gzip += gzipSync(buf, { level: 9 }).length;
    }
  }
};
walk(dist);
writeFileSync(path.join(dist, 'bundle-size.json'), JSON.stringify({ gzip_bytes: gzip, raw_bytes: raw }) + '\n');
console.log(`dashboard bundle: ${(gzip / 1024).toFixed(1)} KB gzip (${(raw / 1024).toFixed(1)} KB raw), limit ${LIMIT / 1024} KB`);
if (gzip > LIMIT) {
  console.error(`dashboard bundle over the ${LIMIT / 1024} KB gzip budget`);
  process.exit(1);
}
