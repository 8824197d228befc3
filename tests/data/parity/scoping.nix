# Scoping shapes: let, rec, formals with defaults and @, inherit, with, or-defaults.
{ config, lib, pkgs, ... }@args:
let
  inherit (lib) mkIf mkDefault;
  inherit (builtins) toString;
  caches = [ "https://cache.example.org" ];
  keys = rec {
    primary = "cache.example.org-1:AAAA";
    all = [ primary ];
  };
  pick = { name, fallback ? name, ... }: if name == null then fallback else name;
in
{
  nix.settings = mkIf (config.nix.enable or true) {
    substituters = mkDefault caches;
    trusted-public-keys = keys.all;
    max-jobs = pick { name = args.maxJobs or null; fallback = 4; };
  };
  environment.systemPackages = with pkgs; [ git hello ];
  environment.etc."nix/extra.conf".text = ''
    # ${toString (builtins.length caches)} caches
    extra-substituters = ${lib.concatStringsSep " " caches}
  '';
  assertions = [ { assertion = __curPos != null; message = "at ${toString __curPos.line}"; } ];
}
