# A key named after another host of the same registrable domain, and a tailnet (one owner).
{
  nix.settings.substituters = [
    "https://cache.verger.example.co.uk"
    "https://pommier.tail4242.ts.net"
  ];
  nix.settings.connect-timeout = 5;
  nix.settings.fallback = true;
  nix.settings.trusted-public-keys = [
    "store3.verger.example.co.uk-1:reUf0dAW2iWDgA8Hiaw0FA6fslN7qtrsr4CPylVKgPI="
    "cerisier.tail4242.ts.net-1:GulDuc70OovKm3/uWj4TXA/AnF7L67mmSF6Sp7hx98E="
  ];
}
