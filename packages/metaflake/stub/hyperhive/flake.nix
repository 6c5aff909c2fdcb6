# hyperhive's offline stand-in for the hyperhive flake: the same
# `nixosModules.harness-base` interface as the real one (the hive.* options the
# meta flake's mkAgent and an agent's agent.nix set), evaluated by the stub
# nixpkgs. seedLocalHyperhive writes the real nixpkgs URL over the placeholder.
{
  description = "hyperhive stub: harness-base options for offline meta-flake evaluation";

  inputs.nixpkgs.url = "@stubNixpkgsUrl@";

  outputs = { self, nixpkgs }: {
    nixosModules.harness-base = import ./harness-base.nix;
    nixosModules.default = { };
  };
}
