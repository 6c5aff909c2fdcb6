{
  description = "hyperhive: a control plane for Claude-driven agents in nixos-containers";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      packageFor = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
    in
    {
      packages = forAllSystems (pkgs: rec {
        hyperhive = pkgs.callPackage ./nix/package.nix { };
        default = hyperhive;
      });

      nixosModules = {
        # The host: `services.hyperhive` runs the daemon and dashboard.
        default = { pkgs, ... }: {
          imports = [ ./nix/modules/host.nix ];
          services.hyperhive.package = lib.mkDefault (packageFor pkgs);
          # The meta flake pins agents to the same hyperhive the host runs.
          services.hyperhive.hyperhiveFlakeUrl = lib.mkDefault "path:${self.outPath}";
        };
        host = self.nixosModules.default;

        # Inside each agent container; the meta flake's mkAgent imports it.
        harness-base = { pkgs, ... }: {
          imports = [ ./nix/modules/harness-base.nix ];
          hive.package = lib.mkDefault (packageFor pkgs);
        };
      };

      # What setupProposed seeds into agents/<n>/config.
      templates.agent = {
        path = ./packages/gitops/templates;
        description = "A hyperhive agent config: agent.nix (a NixOS module) and a flake exporting it";
      };
      templates.default = self.templates.agent;
    };
}
