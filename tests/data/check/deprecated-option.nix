{ ... }:
{
  nix.binaryCaches = [ "https://nix-community.cachix.org" ];
  nix.binaryCachePublicKeys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
}
