# A tiny stand-in for nixpkgs' `lib`: the helpers hyperhive's nix uses and just
# enough of the NixOS module system (./modules.nix, typed by ./types.nix) to
# evaluate the meta flake and hyperhive's modules offline. `nixosSystem
# { modules; }` evaluates the modules over a few base NixOS options and returns
# `{ config; options; pkgs; failedAssertions; }`. Nothing is built: `pkgs` holds
# fake packages. tests/nix evaluates with the same file (its fixtures import it).
let
  inherit (builtins) attrNames concatStringsSep listToAttrs mapAttrs match replaceStrings stringLength substring;

  # --- properties -----------------------------------------------------------
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = _: content: content;

  moduleSystem = import ./modules.nix { inherit lib; };
  inherit (import ./types.nix moduleSystem) types mkOptionType;

  mkOption = { type ? types.anything, ... }@attrs: attrs // { _type = "option"; inherit type; };

  # What every "NixOS" configuration declares here: the options hyperhive's
  # modules set, typed as in NixOS so a wrong definition still fails.
  baseModule = { pkgs, config, ... }: {
    options = {
      boot.isContainer = mkOption { type = types.bool; default = false; };
      boot.isNspawnContainer = mkOption { type = types.bool; default = false; };
      networking.hostName = mkOption { type = types.strMatching "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"; default = "nixos"; };
      networking.useDHCP = mkOption { type = types.bool; default = true; };
      environment.variables = mkOption { type = types.attrsOf (types.oneOf [ types.str types.int types.path (types.listOf types.str) ]); default = { }; };
      environment.systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };
      programs.git.enable = mkOption { type = types.bool; default = false; };
      programs.git.config = mkOption { type = types.anything; default = { }; };
      systemd.services = mkOption { type = types.attrsOf types.anything; default = { }; };
      system.stateVersion = mkOption { type = types.str; default = "25.05"; };
      nix.settings = mkOption { type = types.anything; default = { }; };
      nix.package = mkOption { type = types.package; default = pkgs.nix; };
      # What a real evaluation forces to type-check everything; here a fake derivation to name.
      system.build.toplevel = mkOption {
        type = types.anything;
        default = {
          type = "derivation";
          name = "nixos-system-${config.networking.hostName}";
          drvPath = "/nix/store/00000000000000000000000000000000-nixos-system-${config.networking.hostName}.drv";
          outPath = "/nix/store/00000000000000000000000000000000-nixos-system-${config.networking.hostName}";
        };
      };
    };
  };

  nixosSystem = { modules, specialArgs ? { }, system ? "x86_64-linux", ... }:
    let
      pkgs = import ./pkgs.nix { inherit lib system; };
      evaluated = moduleSystem.evalModules {
        modules = [ baseModule ] ++ modules;
        specialArgs = { inherit pkgs; modulesPath = toString ./.; } // specialArgs;
      };
    in
    evaluated // { inherit pkgs; _type = "configuration"; };

  # A few of nixpkgs' helpers that hyperhive's nix and agent modules use.
  helpers = rec {
    id = x: x;
    optional = c: x: if c then [ x ] else [ ];
    optionals = c: l: if c then l else [ ];
    optionalString = c: s: if c then s else "";
    optionalAttrs = c: a: if c then a else { };
    hasPrefix = p: s: substring 0 (stringLength p) s == p;
    hasSuffix = p: s:
      let lp = stringLength p; ls = stringLength s;
      in lp <= ls && substring (ls - lp) lp s == p;
    hasInfix = infix: s:
      let n = stringLength infix; go = i: i + n <= stringLength s && (substring i n s == infix || go (i + 1));
      in go 0;
    removePrefix = p: s: if hasPrefix p s then substring (stringLength p) (stringLength s) s else s;
    filterAttrs = pred: set: listToAttrs (builtins.concatMap (name: if pred name set.${name} then [ { inherit name; value = set.${name}; } ] else [ ]) (attrNames set));
    nameValuePair = name: value: { inherit name value; };
    mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
    mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
    genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
    concatMapStringsSep = sep: f: l: concatStringsSep sep (map f l);
    concatStrings = concatStringsSep "";
    # As nixpkgs >= 23.11: safe words stay bare, anything else is single-quoted.
    escapeShellArg = arg:
      let s = toString arg; in
      if match "[[:alnum:],._+:@%/-]+" s != null then s
      else "'${replaceStrings [ "'" ] [ "'\\''" ] s}'";
    escapeShellArgs = args: concatStringsSep " " (map escapeShellArg args);
    makeBinPath = pkgs: concatStringsSep ":" (map (p: "${p}/bin") pkgs);
    getExe = p: "${p}/bin/${p.meta.mainProgram or p.pname or p.name}";
    getName = p: if builtins.isString p then p else p.pname or (builtins.parseDrvName p.name).name;
    importJSON = f: builtins.fromJSON (builtins.readFile f);
    cleanSourceWith = { src, filter ? (_: _: true), name ? "source" }: { outPath = toString src; inherit filter name; };
    recursiveUpdate = a: b: a // mapAttrs (n: v: if builtins.isAttrs v && builtins.isAttrs (a.${n} or null) then recursiveUpdate a.${n} v else v) b;
    mdDoc = x: x;
    versionAtLeast = a: b: builtins.compareVersions a b >= 0;
    versionOlder = a: b: builtins.compareVersions a b < 0;
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    licenses.mit = { spdxId = "MIT"; };
    platforms.linux = [ "x86_64-linux" "aarch64-linux" ];
  };

  lib = builtins // helpers // {
    inherit types mkOption mkOptionType mkIf mkMerge mkOverride mkOrder nixosSystem;
    inherit (moduleSystem) evalModules;
    mkEnableOption = name: mkOption { type = types.bool; default = false; description = "Whether to enable ${name}."; };
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    literalMD = text: { _type = "literalMD"; inherit text; };
    mkOptionDefault = mkOverride 1500;
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
    mkVMOverride = mkOverride 10;
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
    version = "stub";
  };
in
lib
