{ ... }:
let
  shared = import ./caches.nix;
in
{
  nix.settings = {
    inherit (shared) substituters trusted-public-keys;
  };
}
