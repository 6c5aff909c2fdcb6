# hyperhive's offline stand-in for nixpkgs (tests and the process runtime on a
# box without NixOS, where the real nixpkgs cannot be fetched). It exports only
# `lib`, whose `nixosSystem` is a tiny module evaluator: see ./lib.nix.
{
  description = "hyperhive stub nixpkgs: lib.nixosSystem as a small module evaluator, no packages";

  outputs = { self }: {
    lib = import ./lib.nix;
  };
}
