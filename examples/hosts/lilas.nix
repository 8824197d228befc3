# lilas : poste fixe, sans Tailscale : pas de magnolia ici.
{ config, lib, pkgs, ... }:

{
  imports = [ ../modules/base.nix ];

  networking.hostName = "lilas";
  services.xserver.enable = true;
}
