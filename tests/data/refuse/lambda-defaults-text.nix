{ lib, ... }:
let
  nixConf =
    { substituters ? [ "https://nix-community.cachix.org" ] }:
    ''
      substituters = https://cache.nixos.org/ ${lib.concatStringsSep " " substituters}
    '';
in
{
  environment.etc."nix/nix.conf".text = nixConf { };
}
