# Attribute sets Nix merges: dotted paths into sets, two plain sets, rec sets.
{ lib, ... }:
{
  nix.settings.substituters = [ "https://a.example.org" ];
  nix.settings.trusted-public-keys = [ "a.example.org-1:AAAA" ];
  nix.gc = { automatic = true; };
  nix.gc.dates = "weekly";
  nix = { optimise.automatic = true; };
  services = rec { enable = true; other = enable; };
  services.extra = 1;
  programs = { git.enable = true; };
  programs = { zsh.enable = true; };
  "quoted name" = 1;
  ${"dynamic"} = 2;
  dyn."${lib.version}" = 3;
  dyn."${lib.version}" = 4;
}
