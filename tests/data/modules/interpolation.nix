{ host, ... }:
let port = "5000"; in
{
  nix.settings.substituters = [
    "http://${host}:${port}"
    ''https://cache.nixos.org''
  ];
  nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
}
