# The keys of near-misses.urls.nix, in another file (another block), checked with it.
{
  nix.settings.trusted-public-keys = [
    "main:8e0sCWRbFfnBrG2mmy+Glvm44QAx90q1flsWfwtNi3s="
    "cache.potager.co.uk-1:reUf0dAW2iWDgA8Hiaw0FA6fslN7qtrsr4CPylVKgPI="
    "cerisier.tail2222.ts.net-1:GulDuc70OovKm3/uWj4TXA/AnF7L67mmSF6Sp7hx98E="
  ];
}
