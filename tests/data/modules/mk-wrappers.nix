{ lib, ... }:
{
  nix.settings = {
    substituters = lib.mkBefore [
      "https://nix-community.cachix.org"
    ];
    trusted-public-keys = lib.mkOrder 900 [
      "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
    ];
  };
}
