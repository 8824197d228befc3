# Sets no cache option at all: passes without a word.
{ pkgs, ... }:
{
  environment.systemPackages = [ pkgs.git ];
  services.openssh.enable = true;
  nix.gc.automatic = true;
}
