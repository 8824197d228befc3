# mimosa : portable, joint magnolia par Tailscale.
{ config, lib, pkgs, ... }:

{
  imports = [ ../modules/base.nix ];

  networking.hostName = "mimosa";
  services.tailscale.enable = true;

  # magnolia (nix-serve) n'est joignable que par Tailscale : ne pas bloquer sans lui.
  nix.settings = {
    substituters = [ "http://magnolia:5000" ];
    trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
    connect-timeout = 5;
    fallback = true;
  };
}
