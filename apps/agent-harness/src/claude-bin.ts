/** Where the installed claude CLI is: the native binary of this package's `@anthropic-ai/claude-code` dependency. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const WRAPPER = '@anthropic-ai/claude-code';

function platformPackage(): string {
  // The wrapper's install.cjs picks the same way: glibc reports a runtime version, musl does not.
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
  return `${WRAPPER}-${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

/**
 * The absolute, realpath'd argv that runs the installed claude CLI, or null when it is not installed.
 * The native binary itself, not the npm wrapper, so a sandbox can bind exactly that one file; the
 * platform package's copy first, else the wrapper's bin/claude.exe once its postinstall replaced the stub.
 */
export function resolveClaudeCommand(from: string = import.meta.url): string[] | null {
  let wrapperDir: string;
  try {
    wrapperDir = path.dirname(createRequire(from).resolve(`${WRAPPER}/package.json`));
  } catch {
    return null;
  }
  try {
    // The platform package is the wrapper's optional dependency, so it resolves from the wrapper, not from here.
    const pkgJson = createRequire(path.join(wrapperDir, 'package.json')).resolve(`${platformPackage()}/package.json`);
    const bin = path.join(path.dirname(pkgJson), 'claude');
    if (existsSync(bin)) return [realpathSync(bin)];
  } catch {
    // no platform package: fall back to the wrapper's copy
  }
  const exe = path.join(wrapperDir, 'bin', 'claude.exe');
  // The placeholder the postinstall overwrites is a few hundred bytes; the binary is hundreds of MB.
  return existsSync(exe) && statSync(exe).size > 1_000_000 ? [realpathSync(exe)] : null;
}
