#!/usr/bin/env bash
# The approval pipeline as the bare git + nix commands hive-c0re runs for request_apply_commit
# and approve (process runtime), with no validation, database, HTTP or harness restart: the
# baseline bench/run.mjs compares the daemon against. Prints "<step> <seconds since start>" lines.
# usage: raw-pipeline.sh <proposed repo> <applied repo> <meta repo> <agent> <sha> <approval id>
set -euo pipefail
proposed=$1 applied=$2 meta=$3 name=$4 sha=$5 id=$6

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 LC_ALL=C
export GIT_AUTHOR_NAME=hyperhive GIT_AUTHOR_EMAIL=hive@hyperhive GIT_COMMITTER_NAME=hyperhive GIT_COMMITTER_EMAIL=hive@hyperhive
export NIX_CONFIG="${NIX_CONFIG:-}"
features=(--extra-experimental-features 'nix-command flakes')
registry="${HIVE_NIX_REGISTRY:-${TMPDIR:-/tmp}/hyperhive-flake-registry.json}"

# What the process runtime evaluates to read an agent's `hive` settings (packages/containers settings.ts).
settings_expr='{ file }:
let
  m = import file;
  formals = builtins.functionArgs m;
  args = if formals == {} then { config = {}; lib = {}; pkgs = {}; } else builtins.mapAttrs (_: _: {}) formals;
  r = if builtins.isFunction m then m args else m;
in r.hive or {}'

t0=$EPOCHREALTIME
marks=()
stamp() { marks+=("$1 $EPOCHREALTIME"); }

# request_apply_commit: the proposed commit pinned in applied as proposal/<id>.
git -C "$applied" fetch --quiet --no-tags --no-write-fetch-head "$proposed" "$sha:refs/tags/proposal/$id"
stamp fetch

# approve: approved/<id> + building/<id> in one ref transaction.
printf 'create refs/tags/approved/%s %s\ncreate refs/tags/building/%s %s\n' "$id" "$sha" "$id" "$sha" | git -C "$applied" update-ref --stdin
stamp stamp
git -C "$applied" read-tree --reset -u "$sha"
stamp read-tree

# prepareDeploy: lock agent-<name> to the proposal without committing.
nix "${features[@]}" --option flake-registry "$registry" flake lock \
  --override-input "agent-$name" "git+file://$applied?ref=main&rev=$sha" "$meta"
stamp prepare

# build: parse every tracked .nix and read the hive settings, side by side.
mapfile -d '' files < <(git -C "$applied" ls-files -z -- '*.nix')
(cd "$applied" && nix-instantiate "${features[@]}" --parse "${files[@]/#/./}" >/dev/null) &
parse=$!
nix-instantiate "${features[@]}" --eval --strict --json --argstr file "$applied/agent.nix" -E "$settings_expr" >/dev/null
wait "$parse"
stamp build

# deployed/<id>, main fast-forward with compare-and-swap, meta commit.
git -C "$applied" tag "deployed/$id" "$sha"
stamp deployed-tag
old=$(git -C "$applied" rev-parse refs/heads/main)
git -C "$applied" update-ref refs/heads/main "$sha" "$old"
stamp main-ff
git -C "$meta" commit -q --no-verify -m "deploy $name deployed/$id ${sha:0:12}" -- flake.lock
stamp finalize

for m in "${marks[@]}"; do
  set -- $m
  echo "$1 $2 $t0"
done
