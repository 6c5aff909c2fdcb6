// Node's names for the CPUs NixOS runs on, as Nix system names.
const NIX_CPU: Readonly<Record<string, string>> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', riscv64: 'riscv64' };

/**
 * The Nix system of this host (`x86_64-linux`, `aarch64-linux`, …): what the containers are built for unless
 * the host says otherwise (host.nix passes `pkgs.stdenv.hostPlatform.system` as HIVE_SYSTEM).
 */
export function hostSystem(arch: string = process.arch, platform: string = process.platform): string {
  const cpu = NIX_CPU[arch] ?? arch;
  return `${cpu}-${platform === 'darwin' ? 'darwin' : 'linux'}`;
}
