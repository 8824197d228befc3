# Profil home-manager de Camille (sur n'importe quelle machine).
{ pkgs, ... }:

{
  home.username = "camille";
  home.homeDirectory = "/home/camille";
  home.stateVersion = "24.05";

  nix.package = pkgs.nix;
  nix.settings = {
    substituters = [ "https://nix-community.cachix.org" ];
    trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
  };
}
