{
  description = "cachectl: manage and check the binary caches of a NixOS configuration";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # The repository's own Nix files, for the dogfood check. tests/data holds fixtures
      # that are wrong on purpose, so it is left out.
      ownNixFiles = lib.fileset.toSource {
        root = ./.;
        fileset = lib.fileset.difference (lib.fileset.fileFilter (file: file.hasExt "nix") ./.) (
          lib.fileset.maybeMissing ./tests/data
        );
      };
    in
    {
      packages = forAllSystems (
        pkgs:
        let
          cachectl = pkgs.callPackage ./nix/package.nix { };
        in
        {
          inherit cachectl;
          default = cachectl;
        }
      );

      apps = forAllSystems (
        pkgs:
        let
          package = self.packages.${pkgs.stdenv.hostPlatform.system}.cachectl;
          cachectl = {
            type = "app";
            program = lib.getExe package;
            meta.description = package.meta.description;
          };
        in
        {
          inherit cachectl;
          default = cachectl;
        }
      );

      checks = forAllSystems (
        pkgs:
        let
          inherit (self.packages.${pkgs.stdenv.hostPlatform.system}) cachectl;
        in
        {
          inherit cachectl;
          # cachectl checks its own flake and Nix files, as users' hooks will.
          dogfood = pkgs.runCommand "cachectl-dogfood" { nativeBuildInputs = [ cachectl ]; } ''
            cd ${ownNixFiles}
            cachectl check $(find . -name '*.nix' | sort)
            touch $out
          '';
        }
      );

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.cargo
            pkgs.clippy
            pkgs.rustfmt
            pkgs.rust-analyzer
            pkgs.rustc
            # the tests run the real nix-instantiate
            pkgs.nix
          ];
          RUST_SRC_PATH = "${pkgs.rustPlatform.rustLibSrc}";
        };
      });

      overlays.default = final: prev: { cachectl = final.callPackage ./nix/package.nix { }; };

      # nixfmt is the RFC 166 style (nixfmt-rfc-style is a deprecated alias of it).
      formatter = forAllSystems (pkgs: pkgs.nixfmt);

      # For cachix/git-hooks.nix users:
      #   hooks = cachectl.lib.gitHooks { cachectl = cachectl.packages.${system}.default; };
      lib.gitHooks = import ./nix/git-hooks.nix;
    };
}
