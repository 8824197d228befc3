# The cachectl package, callPackage style, so that the flake, the overlay and a plain
# `pkgs.callPackage ./nix/package.nix { }` (e.g. from a NixOS configuration without
# flakes) all build the same thing.
{
  lib,
  rustPlatform,
  installShellFiles,
  stdenv,
}:

let
  cargoToml = lib.importTOML ../Cargo.toml;
in
rustPlatform.buildRustPackage {
  pname = "cachectl";
  inherit (cargoToml.package) version;

  # Only what cargo needs: editing the README, the flake or CI must not change the
  # derivation and trigger a rebuild.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions (
      [
        # [env] MALLOC_CONF there lowers the build's peak memory (docs/build.md).
        ../.cargo/config.toml
        ../Cargo.toml
        ../Cargo.lock
        ../build.rs
        ../src
      ]
      # Cargo discovers these targets by directory; they are optional while the project grows.
      ++ builtins.filter builtins.pathExists [
        ../tests
        ../benches
        ../examples
      ]
    );
  };

  cargoLock.lockFile = ../Cargo.lock;

  nativeBuildInputs = [ installShellFiles ];

  # The test suite needs a real `nix` binary (nix-instantiate with its own store) and binds
  # loopback HTTP servers for the online checks; neither is available in the build sandbox.
  # The tests run in CI (`cargo test`) and through `nix develop`.
  doCheck = false;

  # Completions and the man page come from the binary itself, so they cannot drift from
  # the clap definitions. A cross build cannot run the binary, so it ships without them.
  postInstall = lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    installShellCompletion --cmd cachectl \
      --bash <($out/bin/cachectl completions bash) \
      --zsh <($out/bin/cachectl completions zsh) \
      --fish <($out/bin/cachectl completions fish)
    $out/bin/cachectl man > cachectl.1
    installManPage cachectl.1
  '';

  meta = {
    description = cargoToml.package.description;
    homepage = cargoToml.package.repository;
    license = lib.licenses.mit;
    mainProgram = "cachectl";
    platforms = lib.platforms.unix;
  };
}
