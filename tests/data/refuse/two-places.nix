{ lib, ... }:
{
  nix.settings.substituters = [ "https://cache.nixos.org" ];
  specialisation.travel.configuration = {
    nix.settings.substituters = lib.mkForce [ "https://cache.nixos.org" ];
  };
}
