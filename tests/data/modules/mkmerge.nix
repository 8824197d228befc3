{ config, lib, ... }:
{
  config = lib.mkMerge [
    { networking.firewall.enable = true; }
    (lib.mkIf config.services.tailscale.enable {
      nix.settings = {
        substituters = [ "https://cache.nixos.org" ];
        trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
      };
    })
  ];
}
