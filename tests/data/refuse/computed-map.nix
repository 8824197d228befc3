{ lib, ... }:
let
  caches = [
    { url = "https://cache.nixos.org"; key = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="; }
  ];
in
{
  nix.settings.substituters = map (c: c.url) caches;
  nix.settings.trusted-public-keys = lib.catAttrs "key" caches;
}
