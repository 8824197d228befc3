# A key named after the domain's owner; a key renamed by its cache (same bytes, old name);
# keys of machines (bare names) that sign what nix copy and remote builders send.
{
  nix.settings.substituters = [
    "https://nix.figuier.dev"
    "https://nyx.fleur.example"
  ];
  nix.settings.trusted-public-keys = [
    "figuier-1:nIV4mMZUBnIePUu0GOeOtiHcsQA5jiqElbPtTrebULs="
    "nyx.fleur.example-1:bHQusncMpbWwp9j27aDfO4faziSriFxMhuN+blb50Zc="
    "fleur-nyx.cachix.org-1:bHQusncMpbWwp9j27aDfO4faziSriFxMhuN+blb50Zc="
    "rocky:P0MRZVdV1y5LY4Kcxwn9rUVDUN4nvrlOAhLtyd7d7n8="
    "builder-2:fvgm5U9T3vQAzF3rcmXbXDZNpKifs5lWeylpW+wpmVk="
  ];
}
