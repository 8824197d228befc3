# Keys computed from records: no substituter can be called unpaired.
{ lib, ... }:
let
  caches = [
    { url = "https://noisetier.example.org"; key = "noisetier:rf+IcxKH2IuneKwoYCvVJK/m1wuIf7vP4VVa4djHNhM="; }
  ];
in
{
  nix.settings.substituters = map (c: c.url) caches ++ [ "https://cerise.example.net" ];
  nix.settings.trusted-public-keys = map (c: c.key) caches;
}
