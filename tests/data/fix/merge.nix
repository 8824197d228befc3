# Old and new names side by side: the old list is merged into the new one.
{ ... }:
{
  nix = {
    binaryCaches = [ "https://cache.nixos.org" "https://nix-community.cachix.org" ];
    binaryCachePublicKeys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
    settings = {
      substituters = [
        "https://cache.nixos.org/" # keeps its comment
      ];
      max-jobs = 4;
    };
  };
}
