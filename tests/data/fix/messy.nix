# Everything `cachectl fix` repairs, in one module.
{ lib, ... }:
{
  nix.binaryCaches = [
    "http://cache.nixos.org" # the official cache
    "https://nix-community.cachix.org"
    "http://magnolia:5000" # over Tailscale
    "https://nix-community.cachix.org/"
  ];
  nix.settings.trusted-public-keys = [
    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC1=" # typo in the last character
    "leaked-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
  ];
}
