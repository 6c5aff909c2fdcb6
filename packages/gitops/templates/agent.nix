# hyperhive agent config — a NixOS module. The manager proposes edits as commits; the operator approves them.
{ config, lib, pkgs, ... }:
{
  # Harness settings (read by hyperhive; change the model here and approve to redeploy).
  hive = {
    model = "sonnet";
    env = { };
    mcpServers = { };
  };
  # Packages this agent can use: environment.systemPackages = with pkgs; [ git ];
}
