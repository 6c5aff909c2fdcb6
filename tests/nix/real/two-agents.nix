# The release check's evaluation against the real nixpkgs of flake.lock (.github/workflows/nixos.yml;
# offline, tests/nix evaluates the same modules with the stand-in lib instead). A host running
# hyperhive on a private network and two agents built the way the meta flake's mkAgent builds them;
# every toplevel drvPath is forced, so each option is type-checked by the real module system
# without building anything.
#   nix eval --json --impure --file tests/nix/real/two-agents.nix
{
  flake ? builtins.getFlake (toString ../../..),
  system ? builtins.currentSystem,
}:
let
  inherit (flake.inputs.nixpkgs) lib;

  host = lib.nixosSystem {
    inherit system;
    modules = [
      flake.nixosModules.default
      {
        system.stateVersion = "25.05";
        boot.loader.grub.device = "nodev";
        fileSystems."/".device = "/dev/disk/by-label/nixos";
        services.hyperhive = {
          enable = true;
          network = "private";
          bind = "0.0.0.0";
          operatorTokenFile = "/run/secrets/hyperhive-operator-token";
          nat.externalInterface = "eth0";
        };
      }
    ];
  };

  # As packages/metaflake/src/render.ts renders mkAgent.
  mkAgent = { name, port, isManager ? false, agent }:
    lib.nixosSystem {
      inherit system;
      modules = [
        flake.nixosModules.harness-base
        agent
        {
          hive = { inherit name port isManager; label = name; dashboardPort = 7777; managerName = "hm1nd"; privateNetwork = true; };
          networking.hostName = "h-${name}";
          programs.git.config.user = { inherit name; email = "${name}@hyperhive"; };
        }
      ];
    };

  agents = {
    hm1nd = mkAgent { name = "hm1nd"; port = 8000; isManager = true; agent = import ../../../packages/gitops/templates/agent.nix; };
    coder = mkAgent {
      name = "coder";
      port = 8202;
      agent = { pkgs, ... }: {
        hive.model = "opus";
        hive.limits = { memoryMax = "2G"; cpuQuota = "50%"; tasksMax = 512; };
        hive.mcpServers.fetch = { command = "uvx"; args = [ "mcp-server-fetch" ]; };
        environment.systemPackages = [ pkgs.ripgrep ];
      };
    };
  };
in
{
  host = {
    drv = host.config.system.build.toplevel.drvPath;
    env = host.config.systemd.services.hyperhive.environment;
    nat = host.config.networking.nat.internalInterfaces;
  };
  agents = lib.mapAttrs (_: a: {
    drv = a.config.system.build.toplevel.drvPath;
    env = a.config.systemd.services.hive-harness.environment;
    unit = a.config.hive.containerUnit;
    nspawn = a.config.boot.isNspawnContainer;
  }) agents;
}
