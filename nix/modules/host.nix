# The host side of hyperhive: the daemon (container lifecycle, config repos,
# approvals, dashboard) as a systemd service driving nixos-containers.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption mkEnableOption mkIf types;
  cfg = config.services.hyperhive;

  loopback = builtins.elem cfg.bind [ "::1" "localhost" ] || lib.hasPrefix "127." cfg.bind;
  # How clients on this host (the CLI, the auto-update timer) reach the daemon.
  clientHost =
    if builtins.elem cfg.bind [ "0.0.0.0" "::" ] then "127.0.0.1"
    else if lib.hasInfix ":" cfg.bind then "[${cfg.bind}]"
    else cfg.bind;
  daemonUrl = "http://${clientHost}:${toString cfg.dashboardPort}";

  # StateDirectory= only manages directories below /var/lib.
  stateUnderVarLib = lib.hasPrefix "/var/lib/" cfg.stateDir;

  # As nixos-containers.nix decides it: hosts that started before 22.05 keep /etc/containers, and the
  # nixos-container it installs is built with that dir (pkgs.nixos-container alone would use the new one).
  containerConfDir = if lib.versionAtLeast config.system.stateVersion "22.05" then "/etc/nixos-containers" else "/etc/containers";
  hostNixosContainer = "/run/current-system/sw/bin/nixos-container";

  # The CLI takes the operator token from its environment; read it at start so
  # it never lands in the store or a unit file.
  autoUpdateScript = pkgs.writeShellScript "hyperhive-auto-update" ''
    set -eu
    ${lib.optionalString (cfg.operatorTokenFile != null) ''
      HIVE_OPERATOR_TOKEN="$(< ${lib.escapeShellArg cfg.operatorTokenFile})"
      export HIVE_OPERATOR_TOKEN
    ''}
    exec ${cfg.package}/bin/hive auto-update
  '';

  daemonEnv = {
    HIVE_STATE_DIR = cfg.stateDir;
    HIVE_DASHBOARD_PORT = toString cfg.dashboardPort;
    HIVE_RUNTIME = "nixos";
    HIVE_BIND = cfg.bind;
    HIVE_MANAGER_NAME = cfg.managerName;
    HIVE_HYPERHIVE_URL = cfg.hyperhiveFlakeUrl;
    HIVE_CLAUDE_CMD = cfg.claudeCommand;
    # The containers are built for this host's platform (the meta flake's `system`).
    HIVE_SYSTEM = pkgs.stdenv.hostPlatform.system;
    HIVE_NIXOS_NETWORK = cfg.network;
    HIVE_NIXOS_CONF_DIR = containerConfDir;
    HIVE_NIXOS_CONTAINER_BIN = hostNixosContainer;
    # nixos-container's own `nix build` of the meta flake passes no feature flag, and the daemon's
    # nix calls need flakes whatever the host's nix.conf says.
    NIX_CONFIG = "extra-experimental-features = nix-command flakes";
  } // lib.optionalAttrs (cfg.operatorTokenFile != null) {
    HIVE_OPERATOR_TOKEN_FILE = toString cfg.operatorTokenFile;
  };
in
{
  options.services.hyperhive = {
    enable = mkEnableOption "hyperhive, a control plane for Claude-driven agents in nixos-containers";

    package = mkOption {
      type = types.package;
      description = "The hyperhive package (provides `bin/hive` and `bin/hive-harness`).";
    };

    stateDir = mkOption {
      type = types.str;
      default = "/var/lib/hyperhive";
      description = ''
        State root: agents' proposed repos (`agents/<n>/config`), applied repos
        (`applied/<n>`), the meta flake (`meta`), per-agent homes (`state/<n>`)
        and the daemon's database.
      '';
    };

    dashboardPort = mkOption {
      type = types.port;
      default = 7777;
      description = "Port of the daemon's HTTP API and dashboard; agents reach the daemon on it.";
    };

    bind = mkOption {
      type = types.str;
      default = "127.0.0.1";
      example = "0.0.0.0";
      description = "Address the dashboard binds. Anything but loopback requires `operatorTokenFile`.";
    };

    operatorTokenFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/secrets/hyperhive-operator-token";
      description = ''
        File holding the operator token (one line, at least 16 characters). Required when `bind` is not
        loopback: every dashboard and API request then needs
        `Authorization: Bearer <token>`. Give a path outside the Nix store.
      '';
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open `dashboardPort` in the firewall (only meaningful with a non-loopback `bind`).";
    };

    managerName = mkOption {
      type = types.strMatching "[a-z][a-z0-9-]{0,8}";
      default = "hm1nd";
      description = "Name of the manager agent (harness on port 8000), spawned on the daemon's first start.";
    };

    hyperhiveFlakeUrl = mkOption {
      type = types.str;
      example = "github:example/hyperhive";
      description = ''
        Flake URL the meta flake uses for its `hyperhive` input (which provides
        `nixosModules.harness-base` and nixpkgs to every agent). The repo
        flake's module defaults it to the hyperhive source this host runs.
      '';
    };

    claudeCommand = mkOption {
      type = types.str;
      default = "claude";
      description = "The claude CLI the agents' harnesses run once per turn.";
    };

    network = mkOption {
      type = types.enum [ "host" "private" ];
      default = "host";
      description = ''
        How agent containers are networked. `host` (default): the host's network namespace, harnesses on
        127.0.0.1:<port> and the daemon on 127.0.0.1 — simple, but an agent can reach every loopback service
        of the host. `private`: each container on its own veth pair (10.233.N.1 host side, 10.233.N.2 inside),
        the daemon reaching each harness at its container address and agents reaching the daemon at their
        host address; egress through NAT on `nat.externalInterface`. Isolation versus the seed's port scheme.
      '';
    };

    nat.externalInterface = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "eth0";
      description = "With `network = \"private\"`: the interface agents' traffic (the Anthropic API, git, packages) leaves by, NATed.";
    };

    autoUpdate = {
      enable = mkEnableOption "periodic `hive auto-update`: relock the meta flake's hyperhive input and rebuild every agent";

      interval = mkOption {
        type = types.str;
        default = "daily";
        example = "Mon *-*-* 04:00:00";
        description = "When to auto-update, as a systemd calendar expression (`OnCalendar=`).";
      };
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = loopback || cfg.operatorTokenFile != null;
        message = "services.hyperhive.bind = \"${cfg.bind}\" is not loopback: set services.hyperhive.operatorTokenFile";
      }
      {
        assertion = cfg.operatorTokenFile == null || !(lib.hasPrefix builtins.storeDir (toString cfg.operatorTokenFile));
        message = "services.hyperhive.operatorTokenFile must not be in the Nix store (it is world-readable there)";
      }
      {
        assertion = cfg.network == "host" || !loopback;
        message = "services.hyperhive.network = \"private\": agents reach the daemon at their container's host address, so set bind = \"0.0.0.0\" (the firewall opens dashboardPort to the ve-* interfaces only)";
      }
      {
        assertion = cfg.network == "host" || cfg.nat.externalInterface != null;
        message = "services.hyperhive.network = \"private\": set services.hyperhive.nat.externalInterface so agents reach the internet through NAT";
      }
    ];

    # nixos-container's imperative containers (/etc/nixos-containers/*.conf,
    # container@<name>.service). On the host network (the default) agents bind
    # 127.0.0.1:<port>, so no NAT or bridge; a private network gets both below.
    boot.enableContainers = true;

    networking.nat = mkIf (cfg.network == "private") {
      enable = true;
      internalInterfaces = [ "ve-+" ];
      externalInterface = cfg.nat.externalInterface;
    };
    # Agents reach the daemon over their veth; nothing else of the host is opened to them.
    networking.firewall.interfaces."ve-+".allowedTCPPorts = mkIf (cfg.network == "private") [ cfg.dashboardPort ];

    environment.systemPackages = [ cfg.package ];
    # The `hive` CLI talks to the local daemon.
    environment.variables.HIVE_URL = daemonUrl;

    networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [ cfg.dashboardPort ];

    systemd.tmpfiles.rules = mkIf (!stateUnderVarLib) [ "d ${cfg.stateDir} 0750 root root -" ];

    systemd.services.hyperhive = {
      description = "hyperhive daemon and dashboard";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" "nix-daemon.service" ];
      # nixos-container is the host's own (HIVE_NIXOS_CONTAINER_BIN), built for the host's conf dir.
      path = [ cfg.package config.nix.package pkgs.git pkgs.systemd pkgs.coreutils ];
      environment = daemonEnv;
      serviceConfig = {
        # Root: nixos-container and the nspawn config under /etc need it.
        ExecStart = lib.escapeShellArgs [
          "${cfg.package}/bin/hive" "up"
          "--runtime" "nixos"
          "--state" cfg.stateDir
          "--port" (toString cfg.dashboardPort)
        ];
        StateDirectory = mkIf stateUnderVarLib (lib.removePrefix "/var/lib/" cfg.stateDir);
        StateDirectoryMode = "0750";
        WorkingDirectory = cfg.stateDir;
        Restart = "on-failure";
        RestartSec = "5s";
      };
    };

    systemd.services.hyperhive-auto-update = mkIf cfg.autoUpdate.enable {
      description = "hyperhive auto-update: relock hyperhive and rebuild every agent";
      requires = [ "hyperhive.service" ];
      after = [ "hyperhive.service" ];
      environment.HIVE_URL = daemonUrl;
      serviceConfig = {
        Type = "oneshot";
        ExecStart = "${autoUpdateScript}";
      };
    };

    systemd.timers.hyperhive-auto-update = mkIf cfg.autoUpdate.enable {
      description = "hyperhive auto-update timer";
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.autoUpdate.interval;
        Persistent = true;
        RandomizedDelaySec = "15m";
      };
    };
  };
}
