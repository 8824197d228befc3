# A minimal stand-in for the nixpkgs flake input, for tests/flake.rs.
#
# The machines that run the test suite have Nix but no network access to GitHub, so the
# real nixpkgs cannot be downloaded. This stub has only what flake.nix and nix/package.nix
# use, with the same calling conventions (callPackage fills arguments by name, getExe reads
# meta.mainProgram, fileset.toSource wants existing paths). Derivations are plain attribute
# sets with a fake `outPath`: nothing is built and nothing is copied to the store.
# If flake.nix starts to use something new from nixpkgs, add it here.
let
  systems = [
    "x86_64-linux"
    "aarch64-linux"
    "x86_64-darwin"
    "aarch64-darwin"
  ];

  fakeDrv = name: attrs: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  } // attrs;

  tool = name: fakeDrv name {
    pname = name;
    meta.mainProgram = name;
  };

  lib = rec {
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
    optionalString = cond: s: if cond then s else "";
    importTOML = path: builtins.fromTOML (builtins.readFile path);
    getExe =
      drv:
      if drv ? meta.mainProgram then
        "${drv}/bin/${drv.meta.mainProgram}"
      else
        throw "lib.getExe: ${drv.name} has no meta.mainProgram";
    licenses.mit = { spdxId = "MIT"; };
    platforms.unix = [ "unix" ];

    # A file set is modelled as the list of paths it was built from (as strings).
    fileset =
      let
        toSet =
          x:
          if builtins.isPath x then
            if builtins.pathExists x then
              { _stubFileset = [ (toString x) ]; }
            else
              throw "lib.fileset: ${toString x} does not exist"
          else if x ? _stubFileset then
            x
          else
            throw "lib.fileset: not a path or file set";
      in
      {
        unions = xs: { _stubFileset = builtins.concatMap (x: (toSet x)._stubFileset) xs; };
        difference = a: b: {
          _stubFileset = builtins.filter (p: !(builtins.elem p (toSet b)._stubFileset)) (toSet a)._stubFileset;
        };
        maybeMissing = p: if builtins.pathExists p then toSet p else { _stubFileset = [ ]; };
        fileFilter =
          pred: root:
          assert pred {
            name = "default.nix";
            hasExt = ext: ext == "nix";
          };
          toSet root;
        toSource =
          { root, fileset }:
          {
            outPath = "/nix/store/00000000000000000000000000000000-source";
            root = toString root;
            files = (toSet fileset)._stubFileset;
          };
      };
  };

  pkgsFor =
    system:
    let
      pkgs = {
        inherit lib;
        callPackage =
          fn: args:
          let
            f = if builtins.isFunction fn then fn else import fn;
          in
          f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // args);

        stdenv = {
          hostPlatform = { inherit system; };
          buildPlatform = {
            inherit system;
            canExecute = platform: platform.system == system;
          };
        };

        rustPlatform = {
          buildRustPackage = attrs: fakeDrv "${attrs.pname}-${attrs.version}" attrs;
          rustLibSrc = fakeDrv "rust-lib-src" { };
        };
        installShellFiles = tool "install-shell-files";

        mkShell = attrs: fakeDrv "nix-shell" attrs;
        runCommand =
          name: env: script:
          fakeDrv name (env // { inherit script; });

        cargo = tool "cargo";
        clippy = tool "clippy";
        rustfmt = tool "rustfmt";
        rust-analyzer = tool "rust-analyzer";
        rustc = tool "rustc";
        nix = tool "nix";
        nixfmt = tool "nixfmt";
      };
    in
    pkgs;
in
{
  inherit lib;
  legacyPackages = lib.genAttrs systems pkgsFor;
}
