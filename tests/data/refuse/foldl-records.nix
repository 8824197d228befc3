{ lib, ... }:
let
  caches = [
    {
      substituter = "https://nix-community.cachix.org";
      public-key = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";
    }
  ];
in
{
  nix.settings = lib.foldl' (acc: c: {
    substituters = acc.substituters ++ [ c.substituter ];
    trusted-public-keys = acc.trusted-public-keys ++ [ c.public-key ];
  }) { substituters = [ ]; trusted-public-keys = [ ]; } caches;
}
