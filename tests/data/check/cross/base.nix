# Imported by every host: the keys of all caches, and fail-over settings.
{ ... }:
{
  nix.settings = {
    substituters = [ "https://cache.nixos.org/" ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
      "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
    ];
    connect-timeout = 5;
    fallback = true;
  };
}
