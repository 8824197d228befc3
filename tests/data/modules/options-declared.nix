{ config, lib, ... }:
{
  options.my.nix.settings = lib.mkOption {
    type = lib.types.attrs;
    default = {
      substituters = [ "https://cache.example.org" ];
    };
  };
  config = {
    services.harmonia.settings = {
      bind = "[::]:5000";
      priority = 50;
    };
  };
}
