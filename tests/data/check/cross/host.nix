# A host that reaches magnolia over Tailscale; its key is in base.nix.
{ ... }:
{
  imports = [ ./base.nix ];
  nix.settings.substituters = [ "http://magnolia:5000" ];
}
