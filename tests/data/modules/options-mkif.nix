{ config, lib, ... }:
let
  cfg = config.my.caches;
in
{
  options.my.caches = {
    enable = lib.mkEnableOption "binary caches";
  };

  config = lib.mkIf cfg.enable {
    nix.settings = {
      substituters = [ "https://cache.nixos.org" ];
      trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
    };
  };
}
