{
  description = "hyperhive agent <name>";
  # No inputs: the flake locks offline; the meta flake supplies nixpkgs and the harness.
  outputs = { self }: {
    nixosModules.default = import ./agent.nix;
  };
}
