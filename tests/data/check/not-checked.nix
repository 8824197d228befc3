{ lib, caches, ... }:
{
  nix.settings = {
    substituters = map (c: c.url) caches;
    inherit (caches) trusted-public-keys;
  };
}
