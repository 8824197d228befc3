# eval: m
# Shared cache settings, imported by the hosts (`nix.settings = import ./caches.nix;`).
{
  substituters = [
    "https://cache.nixos.org"
    "https://nix-community.cachix.org" # community
  ];
  trusted-public-keys = [
    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
  ];
  connect-timeout = 5;
}
