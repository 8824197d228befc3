# eval: (call m).determinateNix.customSettings or { }
{ ... }:
{
  nix.enable = false;
  determinateNix.enable = true;
  system.stateVersion = 6;
}
