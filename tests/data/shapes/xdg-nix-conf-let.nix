# eval: conf (call m).xdg.configFile."nix/nix.conf".text
{ config, lib, pkgs, ... }:
let
  substituters = [ "https://cache.nixos.org" "https://nix-community.cachix.org" ];
  trustedPublicKeys = [
    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
  ];
in
{
  home.stateVersion = "24.05";
  xdg.configFile."nix/nix.conf".text = ''
    experimental-features = nix-command flakes
    substituters = ${lib.concatStringsSep " " substituters}
    trusted-public-keys = ${lib.concatStringsSep " " trustedPublicKeys}
  '';
}
