# eval: conf (call m).home.file.".config/nix/nix.conf".text
{ lib, ... }:
let
  extraCaches = [
    "https://nix-community.cachix.org"
  ];
  extraKeys = [
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
  ];
  caches = lib.concatStringsSep " " extraCaches;
in
{
  home.file.".config/nix/nix.conf".text = ''
    extra-substituters = ${caches}
    extra-trusted-public-keys = ${builtins.concatStringsSep " " extraKeys}
  '';
}
