# Stand-in for hyperhive's nix/modules/harness-base.nix: the same hive.*
# options and the harness service environment, with no package to run.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption mkDefault types;
  cfg = config.hive;
in
{
  options.hive = {
    name = mkOption { type = types.strMatching "[a-z][a-z0-9-]{0,8}"; };
    label = mkOption { type = types.str; default = cfg.name; };
    port = mkOption { type = types.port; };
    dashboardPort = mkOption { type = types.port; default = 7777; };
    isManager = mkOption { type = types.bool; default = false; };
    managerName = mkOption { type = types.strMatching "[a-z][a-z0-9-]{0,8}"; default = "hm1nd"; };
    privateNetwork = mkOption { type = types.bool; default = false; };
    daemonUrl = mkOption { type = types.str; default = if cfg.privateNetwork then "" else "http://127.0.0.1:${toString cfg.dashboardPort}"; };
    stateDir = mkOption { type = types.str; default = "/state"; };
    model = mkOption { type = types.str; default = "sonnet"; };
    claudeCommand = mkOption { type = types.str; default = "claude"; };
    env = mkOption { type = types.attrsOf types.str; default = { }; };
    mcpServers = mkOption { type = types.attrsOf types.anything; default = { }; };
    limits = {
      memoryMax = mkOption { type = types.nullOr (types.strMatching "[1-9][0-9]{0,15}[KMGT]?|infinity"); default = null; };
      cpuQuota = mkOption { type = types.nullOr (types.strMatching "[1-9][0-9]{0,5}%"); default = null; };
      tasksMax = mkOption { type = types.nullOr (types.ints.between 1 4194304); default = null; };
    };
    containerUnit = mkOption { type = types.attrsOf types.anything; readOnly = true; };
    permissionMode = mkOption { type = types.nullOr (types.enum [ "default" "manual" "acceptEdits" "auto" "plan" "dontAsk" "bypassPermissions" ]); default = null; };
    allowedTools = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
    disallowedTools = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
    maxTurns = mkOption { type = types.nullOr (types.ints.between 1 1000); default = null; };
    appendSystemPrompt = mkOption { type = types.nullOr types.str; default = null; };
    budgetUsd = mkOption { type = types.nullOr types.number; default = null; };
    healthTimeout = mkOption { type = types.nullOr types.number; default = null; };
  };

  config = {
    boot.isContainer = true;
    boot.isNspawnContainer = true;
    hive.containerUnit = {
      name = "container@h-${cfg.name}";
      serviceConfig = lib.filterAttrs (_: v: v != null) {
        MemoryMax = cfg.limits.memoryMax;
        CPUQuota = cfg.limits.cpuQuota;
        TasksMax = cfg.limits.tasksMax;
      };
    };
    networking.hostName = mkDefault "h-${cfg.name}";
    system.stateVersion = mkDefault "25.05";
    programs.git.enable = true;
    programs.git.config.init.defaultBranch = mkDefault "main";

    # What the harness process gets: the process runtime can read it whole.
    systemd.services.hive-harness.environment = cfg.env // {
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
    // lib.optionalAttrs (cfg.permissionMode != null) { HIVE_PERMISSION_MODE = cfg.permissionMode; }
    // lib.optionalAttrs (cfg.allowedTools != null) { HIVE_ALLOWED_TOOLS = builtins.toJSON cfg.allowedTools; }
    // lib.optionalAttrs (cfg.disallowedTools != null) { HIVE_DISALLOWED_TOOLS = builtins.toJSON cfg.disallowedTools; }
    // lib.optionalAttrs (cfg.maxTurns != null) { HIVE_MAX_TURNS = toString cfg.maxTurns; }
    // lib.optionalAttrs (cfg.appendSystemPrompt != null) { HIVE_APPEND_SYSTEM_PROMPT = cfg.appendSystemPrompt; }
    // lib.optionalAttrs (cfg.budgetUsd != null) { HIVE_BUDGET_USD = toString cfg.budgetUsd; };
  };
}
