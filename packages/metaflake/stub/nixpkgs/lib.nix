# A tiny stand-in for nixpkgs' `lib`: just enough of the NixOS module system to
# evaluate hyperhive's meta flake offline. `nixosSystem { modules; }` applies
# the modules with a lazy fixpoint `config`, merges their definitions
# (attribute sets recursively, lists concatenated, mkIf / mkMerge / mkOverride
# honoured, declared options typed and defaulted) and returns
# `{ config; options; pkgs; }`. Nothing is built: `pkgs` holds fake packages.
let
  inherit (builtins)
    all attrNames concatLists concatMap concatStringsSep elem filter foldl'
    head isAttrs isBool isFloat isFunction isInt isList isPath isString length
    listToAttrs mapAttrs match removeAttrs replaceStrings substring tail toJSON
    typeOf;

  hasType = t: v: isAttrs v && (v._type or null) == t;
  isOption = hasType "option";
  # A namespace (merged key by key), as opposed to a property, an option or a package.
  isPlainAttrs = v: isAttrs v && !(v ? _type) && !(v ? outPath);
  uniqueStrings = l: attrNames (listToAttrs (map (n: { name = n; value = null; }) l));
  showLoc = concatStringsSep ".";
  showValue = v: if isString v || isInt v || isBool v || v == null then toJSON v else "<${typeOf v}>";

  # --- properties -----------------------------------------------------------
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkOrder = _: content: content;

  wrapLike = p: x: if p._type == "if" then mkIf p.condition x else mkOverride p.priority x;

  # Pushes properties below an attribute set so mkIf conditions are forced only
  # at the leaves: what lets `config = mkIf config.x { ... }` refer to config.
  pushDown = v:
    if hasType "merge" v then concatMap pushDown v.contents
    else if hasType "if" v || hasType "override" v then
      map (c: if isPlainAttrs c then mapAttrs (_: wrapLike v) c else wrapLike v c) (pushDown v.content)
    else [ v ];

  # At a leaf: drop false mkIfs, expand mkMerge, keep the highest priority.
  discharge = prio: v:
    if hasType "merge" v then concatMap (discharge prio) v.contents
    else if hasType "if" v then (if v.condition then discharge prio v.content else [ ])
    else if hasType "override" v then discharge v.priority v.content
    else [ { inherit prio; value = v; } ];
  highestPriority = defs:
    let
      ds = concatMap (discharge 100) defs;
      best = foldl' (m: d: if d.prio < m then d.prio else m) 100000 ds;
    in
    map (d: d.value) (filter (d: d.prio == best) ds);

  # --- types ----------------------------------------------------------------
  mergeEqual = loc: defs:
    if length defs == 1 || all (d: d == head defs) defs then head defs
    else throw "The option `${showLoc loc}' has conflicting definition values: ${concatStringsSep ", " (map showValue defs)}";

  mkOptionType = { name, description ? name, check ? (_: true), merge ? mergeEqual, ... }@t:
    t // { _type = "option-type"; inherit name description check merge; };
  simple = name: check: mkOptionType { inherit name check; };

  mergeAttrsOf = loc: t: defs:
    let
      names = uniqueStrings (concatMap attrNames defs);
      entries = map (name: { inherit name; defs = concatMap (d: if d ? ${name} then [ d.${name} ] else [ ]) defs; }) names;
      # An entry whose every definition is a false mkIf does not exist.
      kept = filter (e: length (highestPriority e.defs) > 0) entries;
    in
    listToAttrs (map (e: { inherit (e) name; value = mergeOption (loc ++ [ e.name ]) { type = t; } e.defs; }) kept);

  types = rec {
    anything = mkOptionType {
      name = "anything";
      merge = loc: defs:
        if all isPlainAttrs defs then mergeAt loc null defs
        else if all isList defs then concatLists defs
        else mergeEqual loc defs;
    };
    unspecified = anything;
    raw = simple "raw value" (_: true);
    attrs = mkOptionType { name = "attribute set"; check = isAttrs; merge = _: foldl' (a: b: a // b) { }; };
    str = simple "string" isString;
    nonEmptyStr = simple "non-empty string" (v: isString v && v != "");
    singleLineStr = simple "single-line string" (v: isString v && match "[^\n]*" v != null);
    strMatching = re: simple "string matching the pattern ${re}" (v: isString v && match re v != null);
    lines = mkOptionType { name = "lines"; check = isString; merge = _: concatStringsSep "\n"; };
    separatedString = sep: mkOptionType { name = "string separated by ${toJSON sep}"; check = isString; merge = _: concatStringsSep sep; };
    bool = simple "boolean" isBool;
    int = simple "signed integer" isInt;
    float = simple "floating point number" isFloat;
    number = simple "number" (v: isInt v || isFloat v);
    ints = rec {
      between = lo: hi: simple "integer between ${toString lo} and ${toString hi} (both inclusive)" (v: isInt v && v >= lo && v <= hi);
      unsigned = simple "unsigned integer" (v: isInt v && v >= 0);
      positive = simple "positive integer" (v: isInt v && v > 0);
      u8 = between 0 255;
      u16 = between 0 65535;
      u32 = between 0 4294967295;
    };
    port = ints.u16;
    path = simple "path" (v: isPath v || (isString v && substring 0 1 v == "/"));
    package = simple "package" (v: isAttrs v && v ? outPath);
    enum = values: simple "one of ${concatStringsSep ", " (map showValue values)}" (v: elem v values);
    nullOr = t: mkOptionType {
      name = "null or ${t.description}";
      check = v: v == null || t.check v;
      merge = loc: defs: if all (v: v == null) defs then null else t.merge loc (filter (v: v != null) defs);
    };
    either = a: b: mkOptionType {
      name = "${a.description} or ${b.description}";
      check = v: a.check v || b.check v;
      merge = loc: defs: if all a.check defs then a.merge loc defs else if all b.check defs then b.merge loc defs else mergeEqual loc defs;
    };
    oneOf = ts: foldl' either (head ts) (tail ts);
    listOf = t: mkOptionType { name = "list of ${t.description}"; check = v: isList v && all t.check v; merge = _: concatLists; };
    attrsOf = t: mkOptionType { name = "attribute set of ${t.description}"; check = isAttrs; merge = loc: mergeAttrsOf loc t; };
    lazyAttrsOf = attrsOf;
    uniq = t: t;
    functionTo = t: simple "function that evaluates to a(n) ${t.description}" isFunction;
    # Stand-in: a submodule's own options are not evaluated, its definitions merge freely.
    submodule = _: anything;
    submoduleWith = _: anything;
  };

  # --- options and merging --------------------------------------------------
  mkOption = { type ? types.anything, ... }@attrs: attrs // { _type = "option"; inherit type; };
  mkEnableOption = name: mkOption { type = types.bool; default = false; description = "Whether to enable ${name}."; };
  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalMD = text: { _type = "literalMD"; inherit text; };

  mergeOption = loc: opt: defs:
    let
      values = highestPriority defs;
      t = opt.type or types.anything;
    in
    if length values == 0 then
      (if opt ? default then opt.default else throw "The option `${showLoc loc}' is used but not defined.")
    else if all t.check values then t.merge loc values
    else throw "A definition for option `${showLoc loc}' is not of type `${t.description}': ${concatStringsSep ", " (map showValue values)}";

  # Merges the definitions found at `loc`; `node` is what is declared there (an
  # option, a namespace of declarations, or null when nothing is declared).
  mergeAt = loc: node: defs:
    if isOption node then mergeOption loc node defs
    else
      let pushed = concatMap pushDown defs; in
      if all isPlainAttrs pushed then
        let
          declared = if isAttrs node then attrNames node else [ ];
          names = uniqueStrings (declared ++ concatMap attrNames pushed);
          at = name: concatMap (s: if s ? ${name} then [ s.${name} ] else [ ]) pushed;
          declaredAt = name: if isAttrs node then node.${name} or null else null;
          # An undeclared leaf whose every definition is a false mkIf does not exist.
          exists = name: declaredAt name != null || all isPlainAttrs (at name) || length (highestPriority (at name)) > 0;
        in
        listToAttrs (map (name: {
          inherit name;
          value = mergeAt (loc ++ [ name ]) (declaredAt name) (at name);
        }) (filter exists names))
      else mergeOption loc { } defs;

  mergeDecl = a: b:
    if isOption a || isOption b then a // b
    else a // mapAttrs (n: v: if a ? ${n} then mergeDecl a.${n} v else v) b;

  evalModules = { modules, specialArgs ? { } }:
    let
      args = { inherit lib config options; } // specialArgs;
      resolve = m: if isPath m || isString m then resolve (import m) else if isFunction m then m args else m;
      collect = m: let v = resolve m; in [ v ] ++ concatMap collect (v.imports or [ ]);
      loaded = concatMap collect modules;
      structured = v: v ? config || v ? options;
      configOf = v:
        if structured v then v.config or { }
        else removeAttrs v [ "imports" "_file" "key" "disabledModules" "meta" ];
      options = foldl' mergeDecl { } (map (v: if structured v then v.options or { } else { }) loaded);
      config = mergeAt [ ] options (map configOf loaded);
    in
    { inherit config options; };

  # What every "NixOS" configuration declares here: the options hyperhive's
  # modules set, typed as in NixOS so a wrong definition still fails.
  baseModule = {
    options = {
      boot.isContainer = mkOption { type = types.bool; default = false; };
      networking.hostName = mkOption { type = types.strMatching "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"; default = "nixos"; };
      networking.useDHCP = mkOption { type = types.bool; default = true; };
      environment.variables = mkOption { type = types.attrsOf (types.oneOf [ types.str types.int types.path (types.listOf types.str) ]); default = { }; };
      environment.systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };
      programs.git.enable = mkOption { type = types.bool; default = false; };
      programs.git.config = mkOption { type = types.anything; default = { }; };
      systemd.services = mkOption { type = types.attrsOf types.anything; default = { }; };
      system.stateVersion = mkOption { type = types.str; default = "25.05"; };
      nix.settings = mkOption { type = types.anything; default = { }; };
    };
  };

  nixosSystem = { modules, specialArgs ? { }, system ? "x86_64-linux", ... }:
    let
      pkgs = import ./pkgs.nix { inherit lib system; };
      evaluated = evalModules {
        modules = [ baseModule ] ++ modules;
        specialArgs = { inherit pkgs; modulesPath = toString ./.; } // specialArgs;
      };
    in
    evaluated // { inherit pkgs; _type = "configuration"; };

  # A few of nixpkgs' helpers that modules commonly use.
  helpers = rec {
    id = x: x;
    optional = c: x: if c then [ x ] else [ ];
    optionals = c: l: if c then l else [ ];
    optionalString = c: s: if c then s else "";
    optionalAttrs = c: a: if c then a else { };
    hasPrefix = p: s: substring 0 (builtins.stringLength p) s == p;
    hasSuffix = p: s:
      let lp = builtins.stringLength p; ls = builtins.stringLength s;
      in lp <= ls && substring (ls - lp) lp s == p;
    filterAttrs = pred: set: listToAttrs (concatMap (name: if pred name set.${name} then [ { inherit name; value = set.${name}; } ] else [ ]) (attrNames set));
    nameValuePair = name: value: { inherit name value; };
    mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
    mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
    genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
    attrValues = builtins.attrValues;
    concatMapStringsSep = sep: f: l: concatStringsSep sep (map f l);
    concatStrings = concatStringsSep "";
    escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
    recursiveUpdate = a: b: a // mapAttrs (n: v: if isAttrs v && isAttrs (a.${n} or null) then recursiveUpdate a.${n} v else v) b;
    mdDoc = x: x;
  };

  lib = builtins // helpers // {
    inherit types mkOption mkEnableOption mkOptionType literalExpression literalMD
      mkIf mkMerge mkOverride mkDefault mkForce mkOptionDefault mkVMOverride mkOrder
      evalModules nixosSystem;
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
    version = "stub";
  };
in
lib
