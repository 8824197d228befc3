# eval: conf (call m).environment.etc."nix/nix.conf".text
{ lib, ... }:
let
  caches = [ "https://nix-community.cachix.org" ];
  cacheKeys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
in
{
  environment.etc."nix/nix.conf".text = ''
    build-users-group = nixbld
    substituters = https://cache.nixos.org ${toString caches}
    trusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY= ${toString cacheKeys}
  '';
}
