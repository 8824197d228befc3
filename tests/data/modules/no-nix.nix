{ config, pkgs, ... }:

{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "mimosa";
  services.openssh.enable = true;
}
