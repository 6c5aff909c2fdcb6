# Inside every agent container: the hyperhive harness as a service.
#
# The meta flake's mkAgent imports this module together with the agent's own
# `nixosModules.default` (its agent.nix) and a wrapper module that sets the
# identity options below (hive.name, hive.port, hive.label, hive.dashboardPort,
# hive.isManager, hive.managerName, hive.privateNetwork) and
# `programs.git.config.user`. An agent's agent.nix sets the knobs meant for it:
# hive.model, hive.env, hive.mcpServers, hive.limits, packages.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption mkDefault types;
  cfg = config.hive;

  # The agent token is written by the daemon into the agent's state dir at
  # spawn; it must not land in the Nix store, so it is read at start.
  startHarness = pkgs.writeShellScript "hive-harness-start" ''
    set -eu
    ${lib.optionalString (cfg.privateNetwork && cfg.daemonUrl == "") ''
      # On its own veth pair the daemon is the host side, which container-init made the default route.
      gateway="$(${pkgs.iproute2}/bin/ip -4 route show default | ${pkgs.gawk}/bin/awk '{ print $3; exit }')"
      HIVE_DAEMON_URL="http://$gateway:${toString cfg.dashboardPort}"
      export HIVE_DAEMON_URL
    ''}
    token_file=${lib.escapeShellArg "${cfg.stateDir}/token"}
    if [ -r "$token_file" ]; then
      HIVE_TOKEN="$(< "$token_file")"
      export HIVE_TOKEN
    else
      echo "hive-harness: $token_file is missing: the daemon writes it when it spawns or rebuilds this agent" >&2
    fi
    exec ${cfg.package}/bin/hive-harness "$@"
  '';
in
{
  options.hive = {
    package = mkOption {
      type = types.package;
      description = "The hyperhive package that provides `bin/hive-harness`.";
    };

    name = mkOption {
      type = types.strMatching "[a-z][a-z0-9-]{0,8}";
      description = "The agent's name (the container is `h-<name>`). Set by the meta flake's mkAgent.";
    };

    label = mkOption {
      type = types.str;
      default = cfg.name;
      defaultText = lib.literalExpression "config.hive.name";
      description = "Display label of the agent's chat page. Set by mkAgent.";
    };

    port = mkOption {
      type = types.port;
      description = "Port the harness binds on 127.0.0.1 (manager 8000, others 8100 + fnv1a32(name) % 900). Set by mkAgent.";
    };

    dashboardPort = mkOption {
      type = types.port;
      default = 7777;
      description = "Port of the host's daemon and dashboard. Set by mkAgent.";
    };

    isManager = mkOption {
      type = types.bool;
      default = false;
      description = "Whether this agent is the manager, the only one allowed to propose other agents' configs. Set by mkAgent.";
    };

    managerName = mkOption {
      type = types.strMatching "[a-z][a-z0-9-]{0,8}";
      default = "hm1nd";
      description = "Name of the swarm's manager, for the tools that address it. Set by mkAgent.";
    };

    privateNetwork = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether the container has its own veth pair (the host's `services.hyperhive.network = "private"`).
        Set by mkAgent. The harness then listens on all of the container's addresses (the daemon reaches it
        at LOCAL_ADDRESS) and finds the daemon at its default gateway (HOST_ADDRESS).
      '';
    };

    daemonUrl = mkOption {
      type = types.str;
      default = if cfg.privateNetwork then "" else "http://127.0.0.1:${toString cfg.dashboardPort}";
      defaultText = lib.literalExpression ''if config.hive.privateNetwork then "" else "http://127.0.0.1:''${toString config.hive.dashboardPort}"'';
      description = "Where the harness reaches the daemon: loopback on the host network; empty means the default gateway at start (private network).";
    };

    limits = {
      memoryMax = mkOption {
        type = types.nullOr (types.strMatching "[1-9][0-9]{0,15}[KMGT]?|infinity");
        default = null;
        example = "2G";
        description = "systemd `MemoryMax=` of the agent's container unit (`container@h-<name>` on the host); null: no limit.";
      };
      cpuQuota = mkOption {
        type = types.nullOr (types.strMatching "[1-9][0-9]{0,5}%");
        default = null;
        example = "50%";
        description = "systemd `CPUQuota=` of the agent's container unit (100% is one core); null: no limit.";
      };
      tasksMax = mkOption {
        type = types.nullOr (types.ints.between 1 4194304);
        default = null;
        example = 512;
        description = "systemd `TasksMax=` of the agent's container unit; null: the host's default.";
      };
    };

    # The harness knobs the daemon's settings reader knows (same names, checked there again).
    permissionMode = mkOption {
      type = types.nullOr (types.enum [ "default" "manual" "acceptEdits" "auto" "plan" "dontAsk" "bypassPermissions" ]);
      default = null;
      description = "claude's `--permission-mode`; null: claude's default.";
    };
    allowedTools = mkOption { type = types.nullOr (types.listOf types.str); default = null; example = [ "Bash(git:*)" ]; description = "Tool patterns granted without a prompt."; };
    disallowedTools = mkOption { type = types.nullOr (types.listOf types.str); default = null; description = "Tool patterns refused."; };
    maxTurns = mkOption { type = types.nullOr (types.ints.between 1 1000); default = null; description = "claude's `--max-turns` per inbox item."; };
    appendSystemPrompt = mkOption { type = types.nullOr types.str; default = null; description = "Text appended to the agent's system prompt (at most 16 KiB)."; };
    budgetUsd = mkOption { type = types.nullOr types.number; default = null; description = "Spending limit per day, in US dollars."; };
    healthTimeout = mkOption { type = types.nullOr types.number; default = null; description = "Seconds the agent has to pass its health check after a deploy (0: no gate); null: the daemon's default."; };

    containerUnit = mkOption {
      type = types.attrsOf types.anything;
      readOnly = true;
      internal = true;
      description = "What the host sets on this agent's container unit, from hive.limits; the nixos runtime applies it after each build.";
    };

    stateDir = mkOption {
      type = types.str;
      default = "/state";
      description = "The agent's persistent home inside the container (the host's `state/<name>`, bound read-write).";
    };

    model = mkOption {
      type = types.str;
      default = "sonnet";
      example = "opus";
      description = "Default claude model; the chat page's `/model` override wins until cleared.";
    };

    claudePackage = mkOption {
      type = types.package;
      default = pkgs.claude-code;
      defaultText = lib.literalExpression "pkgs.claude-code";
      description = "The Claude Code CLI that drives this agent (one headless turn per inbox item).";
    };

    claudeCommand = mkOption {
      type = types.str;
      default = "${cfg.claudePackage}/bin/claude";
      defaultText = lib.literalExpression ''"''${config.hive.claudePackage}/bin/claude"'';
      example = "[\"node\",\"/opt/claude/cli.js\"]";
      description = "The claude CLI the harness runs once per turn, or a JSON argv array.";
    };

    user = mkOption {
      type = types.str;
      default = "agent";
      description = "The unprivileged user the harness and every claude turn run as (never root, no capabilities).";
    };

    env = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = { GITHUB_ORG = "example"; };
      description = "Extra environment for the harness and the claude turns it runs; cannot override the HIVE_* identity.";
    };

    mcpServers = mkOption {
      type = types.attrsOf types.anything;
      default = { };
      example = lib.literalExpression ''
        { fetch = { command = "uvx"; args = [ "mcp-server-fetch" ]; }; }
      '';
      description = "Extra MCP servers handed to claude, in claude's `mcpServers` JSON shape (name → server).";
    };
  };

  config = {
    boot.isContainer = true;
    # As declarative containers do (nixos-containers.nix): nspawn's own mounts instead of the VM ones.
    boot.isNspawnContainer = true;
    networking.hostName = mkDefault "h-${cfg.name}";
    networking.useDHCP = mkDefault false;
    # On the host network the host's firewall is the one that counts (the container cannot change it);
    # on its own veth pair only the harness port is open, for the daemon.
    networking.firewall.enable = mkDefault cfg.privateNetwork;
    networking.firewall.allowedTCPPorts = lib.mkIf cfg.privateNetwork [ cfg.port ];

    hive.containerUnit = {
      name = "container@h-${cfg.name}";
      serviceConfig = lib.filterAttrs (_: v: v != null) {
        MemoryMax = cfg.limits.memoryMax;
        CPUQuota = cfg.limits.cpuQuota;
        TasksMax = cfg.limits.tasksMax;
      };
    };
    system.stateVersion = mkDefault "25.05";
    nix.settings.experimental-features = mkDefault [ "nix-command" "flakes" ];
    # hive.claudePackage defaults to pkgs.claude-code, which nixpkgs marks unfree: allow that one package,
    # so an agent.nix that says nothing about it still evaluates (an agent may widen it, e.g. allowUnfree).
    nixpkgs.config.allowUnfreePredicate = mkDefault (pkg: builtins.elem (lib.getName pkg) [ "claude-code" ]);

    # Declarative git config; mkAgent sets programs.git.config.user.
    programs.git = {
      enable = true;
      config = {
        init.defaultBranch = mkDefault "main";
      };
    };

    # The agent is hostile by assumption: it gets its own uid, no capabilities, and owns only its home.
    users.groups.${cfg.user} = { };
    users.users.${cfg.user} = {
      isSystemUser = true;
      uid = mkDefault 1000;
      group = cfg.user;
      home = cfg.stateDir;
    };

    systemd.services.hive-harness = {
      description = "hyperhive agent harness for ${cfg.name}";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      # The agent's own packages (environment.systemPackages from its agent.nix)
      # are seen without editing the harness.
      path = [ "/run/current-system/sw" ];
      environment = cfg.env // {
        HOME = cfg.stateDir;
        HIVE_NAME = cfg.name;
        HIVE_LABEL = cfg.label;
        HIVE_PORT = toString cfg.port;
        HIVE_DASHBOARD_PORT = toString cfg.dashboardPort;
        HIVE_BIND = if cfg.privateNetwork then "0.0.0.0" else "127.0.0.1";
        HIVE_IS_MANAGER = if cfg.isManager then "1" else "0";
        HIVE_MANAGER_NAME = cfg.managerName;
        HIVE_STATE = cfg.stateDir;
        HIVE_MODEL = cfg.model;
        HIVE_CLAUDE_CMD = cfg.claudeCommand;
        HIVE_MCP_SERVERS = builtins.toJSON cfg.mcpServers;
      } // lib.optionalAttrs (cfg.daemonUrl != "") { HIVE_DAEMON_URL = cfg.daemonUrl; }
      # As the process runtime's settingsEnv: an unset knob stays unset.
      // lib.optionalAttrs (cfg.permissionMode != null) { HIVE_PERMISSION_MODE = cfg.permissionMode; }
      // lib.optionalAttrs (cfg.allowedTools != null) { HIVE_ALLOWED_TOOLS = builtins.toJSON cfg.allowedTools; }
      // lib.optionalAttrs (cfg.disallowedTools != null) { HIVE_DISALLOWED_TOOLS = builtins.toJSON cfg.disallowedTools; }
      // lib.optionalAttrs (cfg.maxTurns != null) { HIVE_MAX_TURNS = toString cfg.maxTurns; }
      // lib.optionalAttrs (cfg.appendSystemPrompt != null) { HIVE_APPEND_SYSTEM_PROMPT = cfg.appendSystemPrompt; }
      // lib.optionalAttrs (cfg.budgetUsd != null) { HIVE_BUDGET_USD = toString cfg.budgetUsd; };
      # The harness retries its own bind; systemd keeps restarting it after that.
      startLimitIntervalSec = 0;
      serviceConfig = {
        # `+`: runs as root before the drop, so the agent owns the home the host bound in (the token stays 0600).
        ExecStartPre = "+${pkgs.coreutils}/bin/chown ${cfg.user}:${cfg.user} ${cfg.stateDir} ${cfg.stateDir}/token";
        ExecStart = "${startHarness}";
        User = cfg.user;
        Group = cfg.user;
        NoNewPrivileges = true;
        CapabilityBoundingSet = "";
        AmbientCapabilities = "";
        WorkingDirectory = cfg.stateDir;
        Restart = "on-failure";
        RestartSec = "5s";
      };
    };
  };
}
