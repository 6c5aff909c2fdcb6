// Item 7: the dashboard's gzip size, counted by the dashboard build's own script.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { measureBundle } from '../apps/dashboard/scripts/bundle-size.mjs';
import { REPO } from './lib/util.mjs';

export function benchBundle() {
  const dist = path.join(REPO, 'apps/dashboard/dist');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: build the dashboard first (pnpm build)`);
  const file = path.join(dist, 'bundle-size.json');
  const recorded = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).gzip_bytes : null;
  return { ...measureBundle(dist), recorded };
}
