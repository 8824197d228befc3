# eval: { extra-substituters = (call m).nixSettings.extraSubstituters; extra-trusted-public-keys = (call m).nixSettings.extraTrustedPublicKeys; }
{ lib, ... }:
{
  nixSettings = {
    extraSubstituters = [ "https://nix-community.cachix.org" ];
    extraTrustedPublicKeys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
  };
}
