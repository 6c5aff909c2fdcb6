import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const WRAPPER = '@anthropic-ai/claude-code';

/** The npm package that carries this machine's native claude binary, e.g. `@anthropic-ai/claude-code-linux-x64`. */
export function claudePlatformPackage(): string {
  // The wrapper's install.cjs picks the same way: glibc reports a runtime version, musl does not.
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
  return `${WRAPPER}-${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

/**
 * The realpath of the native claude binary that the package at `from` (a module URL or path) depends
 * on, or null when it is not installed. The native binary itself, not the npm wrapper, so a sandbox can
 * bind exactly that file: the platform package's copy first, else the wrapper's bin/claude.exe once its
 * postinstall replaced the stub.
 */
export function findClaudeBinary(from: string): string | null {
  let wrapperDir: string;
  try {
    wrapperDir = path.dirname(createRequire(from).resolve(`${WRAPPER}/package.json`));
  } catch {
    return null;
  }
  try {
    // The platform package is the wrapper's optional dependency, so it resolves from the wrapper, not from the caller.
    const pkgJson = createRequire(path.join(wrapperDir, 'package.json')).resolve(`${claudePlatformPackage()}/package.json`);
    const bin = path.join(path.dirname(pkgJson), 'claude');
    if (existsSync(bin)) return realpathSync(bin);
  } catch {
    // no platform package: fall back to the wrapper's copy
  }
  const exe = path.join(wrapperDir, 'bin', 'claude.exe');
  // The placeholder the postinstall overwrites is a few hundred bytes; the binary is hundreds of MB.
  return existsSync(exe) && statSync(exe).size > 1_000_000 ? realpathSync(exe) : null;
}
