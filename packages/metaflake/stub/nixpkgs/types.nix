# Option types for the stand-in module system (./modules.nix): names, checks and
# merges as in nixpkgs' lib.types, so a wrong definition fails the same way.
{ mergeAt, mergeOption, mergeEqual, highestPriority, isPlainAttrs, showValue, uniqueStrings, ... }:
let
  inherit (builtins)
    all attrNames concatLists concatMap concatStringsSep elem filter foldl' head isAttrs
    isBool isFloat isFunction isInt isList isPath isString length listToAttrs match
    substring tail toJSON;

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
    port = simple "16 bit unsigned integer; between 0 and 65535 (both inclusive)" (v: isInt v && v >= 0 && v <= 65535);
    path = simple "path" (v: isPath v || (isString v && substring 0 1 v == "/"));
    # As nixpkgs: a derivation (or a store path string).
    package = simple "package" (v: (isAttrs v && (v.type or null) == "derivation") || (isString v && substring 0 11 v == "/nix/store/"));
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
in
{ inherit types mkOptionType; }
