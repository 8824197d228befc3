# Names that look close but follow no convention: another attic cache, another domain
# under a country suffix, another tailnet.
{
  nix.settings.substituters = [
    "https://attic.jardin.example/oss"
    "https://cache.verger.co.uk"
    "https://pommier.tail1111.ts.net"
  ];
  nix.settings.connect-timeout = 5;
  nix.settings.fallback = true;
  nix.settings.trusted-public-keys = [
    "main:8e0sCWRbFfnBrG2mmy+Glvm44QAx90q1flsWfwtNi3s="
    "cache.potager.co.uk-1:reUf0dAW2iWDgA8Hiaw0FA6fslN7qtrsr4CPylVKgPI="
    "cerisier.tail2222.ts.net-1:GulDuc70OovKm3/uWj4TXA/AnF7L67mmSF6Sp7hx98E="
  ];
}
