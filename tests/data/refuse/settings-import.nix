{ ... }:
{
  nix.settings = import ./caches.nix;
  nix.gc.automatic = true;
}
