{ lib, ... }:
{
  nix.settings.substituters = [
    https://cache.nixos.org
    (lib.mkBefore "https://nix-community.cachix.org?priority=10")
    "https://hyprland.cachix.org?priority=20&trusted=1"
  ];
  nix.settings.trusted-public-keys = [
    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
    "hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc="
  ];
}
