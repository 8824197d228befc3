# attic: https://host/NAME (also with a trailing slash, or behind a sub-path) is signed by
# a key named NAME.
{ lib, ... }:
{
  nix.settings = {
    extra-substituters = [
      "https://attic.jardin.example/oss"
      "https://jardin.example/attic/serre/?priority=41"
    ];
    extra-trusted-public-keys = [
      "oss:8e0sCWRbFfnBrG2mmy+Glvm44QAx90q1flsWfwtNi3s="
      "serre:jobmTo3JGESQH+Dg0TgvV/TBe0jfl2Kfl9ERprVRao4="
    ];
  };
}
