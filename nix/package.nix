# The hyperhive monorepo built with pnpm: `bin/hive` (daemon, dashboard, CLI)
# and `bin/hive-harness` (the agent harness run inside each container).
{
  lib,
  stdenv,
  nodejs,
  pnpm_10,
  python3,
  makeWrapper,
  git,
  # The pnpm store's fixed-output hash. After changing pnpm-lock.yaml, build
  # once with lib.fakeHash and copy the hash nix reports.
  pnpmDepsHash ? lib.fakeHash,
}:

let
  root = ../.;
  # Build from sources only: local node_modules and build output would make
  # the derivation depend on whoever last ran `pnpm install` here.
  src = lib.cleanSourceWith {
    name = "hyperhive-source";
    src = root;
    filter =
      path: type:
      let
        base = baseNameOf path;
      in
      !(builtins.elem base [ "node_modules" "dist" ".turbo" ".git" ".hive-state" "coverage" "result" ]);
  };
in
stdenv.mkDerivation (finalAttrs: {
  pname = "hyperhive";
  version = (lib.importJSON ../apps/daemon/package.json).version;
  inherit src;

  pnpmDeps = pnpm_10.fetchDeps {
    inherit (finalAttrs) pname version src;
    fetcherVersion = 2;
    hash = pnpmDepsHash;
  };

  nativeBuildInputs = [
    nodejs
    pnpm_10.configHook
    python3 # node-gyp, for better-sqlite3's native addon
    makeWrapper
  ];

  buildPhase = ''
    runHook preBuild
    # configHook installs with --ignore-scripts: build the one native addon
    # here, against this nodejs' headers instead of downloading them.
    export npm_config_nodedir=${nodejs}
    pnpm rebuild --recursive better-sqlite3
    # pnpm walks the workspace in dependency order (turbo's binary is not
    # usable inside the sandbox).
    pnpm --recursive --workspace-concurrency=1 run build
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    app=$out/lib/hyperhive
    mkdir -p "$app" $out/bin
    cp -a package.json pnpm-workspace.yaml node_modules packages apps "$app"/
    makeWrapper ${lib.getExe nodejs} $out/bin/hive \
      --add-flags "$app/apps/daemon/dist/cli.js" \
      --prefix PATH : ${lib.makeBinPath [ git ]}
    makeWrapper ${lib.getExe nodejs} $out/bin/hive-harness \
      --add-flags "$app/apps/agent-harness/dist/main.js" \
      --prefix PATH : ${lib.makeBinPath [ git ]}
    runHook postInstall
  '';

  meta = {
    description = "Control plane for Claude-driven agents in nixos-containers, with git-approved config deploys";
    license = lib.licenses.mit;
    mainProgram = "hive";
    platforms = lib.platforms.linux;
  };
})
