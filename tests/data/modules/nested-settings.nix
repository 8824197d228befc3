{ config, lib, pkgs, ... }:

{
  nix.settings = {
    max-jobs = "auto";
    # official cache first
    substituters = [
      "https://cache.nixos.org/"
    ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    ];
  };
}
