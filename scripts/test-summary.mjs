// Sums every package's vitest JSON report into one closing line: "N passed, N failed".
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// --clean: drop reports of an earlier run so a package that fails to start is not counted twice.
const clean = process.argv.includes('--clean');
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const group of ['packages', 'apps', 'tests']) {
  const dir = path.join(root, group);
  if (!existsSync(dir)) continue;
  for (const pkg of readdirSync(dir).sort()) {
    const file = path.join(dir, pkg, '.vitest-results.json');
    if (!existsSync(file)) continue;
    if (clean) {
      rmSync(file);
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    rows.push(`${`${group}/${pkg}`.padEnd(24)} ${String(r.numPassedTests).padStart(4)} passed ${String(r.numFailedTests).padStart(3)} failed`);
  }
}
if (clean) process.exit(0);
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
