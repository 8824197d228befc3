{ lib, ... }: {
  nix.settings.substituters = lib.mkForce [ "https://cache.nixos.org" ];
  nix.settings.trusted-public-keys = lib.mkDefault [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
}
