# Fake packages for the stub nixpkgs: enough for modules that mention
# `pkgs.<name>` (a package is an attrset with `outPath`); nothing is built.
{ lib, system }:
let
  fake = name: {
    type = "derivation";
    inherit name system;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  names = [
    "bash" "claude-code" "coreutils" "curl" "findutils" "gawk" "git" "gnugrep" "gnused" "hello"
    "iproute2" "jq" "nix" "nixos-container" "nodejs" "python3" "ripgrep" "systemd" "uv" "which"
  ];
in
lib.genAttrs names fake // {
  inherit lib system;
  stdenv.hostPlatform.system = system;
  writeShellScript = name: _text: fake name;
  writeShellScriptBin = name: _text: fake name;
  writeText = name: _text: fake name;
  writeTextFile = { name, ... }: fake name;
}
