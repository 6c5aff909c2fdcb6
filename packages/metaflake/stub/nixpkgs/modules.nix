# The stand-in NixOS module system: the one module evaluator hyperhive's offline
# checks use (lib.nixosSystem here, tests/nix's module tests). Modules are applied
# with a lazy fixpoint `config`; definitions merge (attribute sets recursively,
# lists concatenated, mkIf / mkMerge / mkOverride pushed down to the attribute
# they affect and discharged there, so a condition may read config); declared
# options are typed and defaulted. `owned` lists option prefixes where, as in
# NixOS, a definition with no declaration is an error whether or not it is read.
{ lib }:
let
  inherit (builtins)
    all attrNames concatMap concatStringsSep filter foldl' head isAttrs isBool
    isFunction isInt isPath isString length listToAttrs mapAttrs removeAttrs toJSON
    typeOf;

  hasType = t: v: isAttrs v && (v._type or null) == t;
  isOption = hasType "option";
  # A namespace (merged key by key), as opposed to a property, an option or a package.
  isPlainAttrs = v: isAttrs v && !(v ? _type) && !(v ? outPath) && (v.type or null) != "derivation";
  uniqueStrings = l: attrNames (listToAttrs (map (n: { name = n; value = null; }) l));
  showLoc = concatStringsSep ".";
  showValue = v: if isString v || isInt v || isBool v || v == null then toJSON v else "<${typeOf v}>";

  wrapLike = p: x: if p._type == "if" then lib.mkIf p.condition x else lib.mkOverride p.priority x;

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

  mergeEqual = loc: defs:
    if length defs == 1 || all (d: d == head defs) defs then head defs
    else throw "The option `${showLoc loc}' has conflicting definition values: ${concatStringsSep ", " (map showValue defs)}";

  mergeOption = loc: opt: defs:
    let
      values = highestPriority defs;
      t = opt.type or lib.types.anything;
    in
    if length values == 0 then
      (if opt ? default then opt.default else throw "The option `${showLoc loc}' is used but not defined.")
    else if all t.check values then t.merge loc values
    else throw "A definition for option `${showLoc loc}' is not of type `${t.description}': ${concatStringsSep ", " (map showValue values)}";

  # The attribute-set definitions below one name, properties pushed down (conditions not forced).
  pushedAt = name: defs: concatMap (s: if s ? ${name} then [ s.${name} ] else [ ]) (filter isPlainAttrs (concatMap pushDown defs));

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
          # In a declared namespace (the top level too) every name exists, so listing them forces no
          # condition; below an undeclared name, one whose every definition is a false mkIf does not.
          exists = name: isAttrs node || all isPlainAttrs (at name) || length (highestPriority (at name)) > 0;
        in
        listToAttrs (map (name: {
          inherit name;
          value = mergeAt (loc ++ [ name ]) (declaredAt name) (at name);
        }) (filter exists names))
      else mergeOption loc { } defs;

  # Throws for the first name defined below `loc` that `node` does not declare, down to the options.
  checkDeclared = loc: node: defs:
    isOption node
    || all (n:
      if node ? ${n} then checkDeclared (loc ++ [ n ]) node.${n} (pushedAt n defs)
      else throw "The option `${showLoc (loc ++ [ n ])}' does not exist.")
      (uniqueStrings (concatMap attrNames (filter isPlainAttrs (concatMap pushDown defs))));

  mergeDecl = a: b:
    if isOption a || isOption b then a // b
    else a // mapAttrs (n: v: if a ? ${n} then mergeDecl a.${n} v else v) b;

  getLoc = loc: set: foldl' (s: n: if isAttrs s then s.${n} or null else null) set loc;

  evalModules = { modules, specialArgs ? { }, owned ? [ ] }:
    let
      # Modules read the unchecked fixpoint, so the owned check never waits on itself.
      args = { inherit lib options; config = merged; } // specialArgs;
      resolve = m: if isPath m || isString m then resolve (import m) else if isFunction m then m args else m;
      collect = m: let v = resolve m; in [ v ] ++ concatMap collect (v.imports or [ ]);
      # `assertions` is declared by every evaluation, as NixOS' own misc/assertions.nix does.
      assertionsModule = { options.assertions = lib.mkOption { type = lib.types.listOf lib.types.anything; default = [ ]; }; };
      loaded = concatMap collect ([ assertionsModule ] ++ modules);
      structured = v: v ? config || v ? options;
      configOf = v:
        if structured v then v.config or { }
        else removeAttrs v [ "imports" "_file" "key" "disabledModules" "meta" ];
      definitions = map configOf loaded;
      options = foldl' mergeDecl { } (map (v: if structured v then v.options or { } else { }) loaded);
      merged = mergeAt [ ] options definitions;
      # Forced with config: an owned prefix that is declared may hold nothing undeclared.
      checked = all (p:
        getLoc p options == null
        || checkDeclared p (getLoc p options) (foldl' (defs: n: pushedAt n defs) definitions p)) owned;
      config = builtins.seq checked merged;
    in
    {
      inherit config options;
      failedAssertions = map (a: a.message) (filter (a: !a.assertion) config.assertions);
    };
in
{
  inherit evalModules mergeAt mergeOption mergeEqual highestPriority isPlainAttrs showValue uniqueStrings;
}
