# Names that look close but follow no convention: another attic cache, another domain
# under a country suffix, another tailnet. Their keys are in near-misses.keys.nix.
{
  nix.settings.substituters = [
    "https://attic.jardin.dev/oss"
    "https://cache.verger.co.uk"
    "https://pommier.tail1111.ts.net"
  ];
  nix.settings.connect-timeout = 5;
  nix.settings.fallback = true;
}
