{ lib, ... }:
{
  nix = lib.mkMerge [
    {
      settings.substituters = [
        "https://cache.nixos.org"
      ];
      settings.trusted-public-keys = [
        "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
      ];
    }
    { gc.automatic = true; }
  ];
}
