{ pkgs, ... }:
{
  home.username = "me";
  home.stateVersion = "24.05";
  programs.git.enable = true;
}
