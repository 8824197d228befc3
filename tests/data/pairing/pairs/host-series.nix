# The key is named after the host, with or without -N, or a numbered series of it.
{
  nix.settings.substituters = [
    "https://cache.garnix.io"
    "https://cache.flakehub.com"
    "s3://nix-cache-eu?region=eu-west-1"
  ];
  nix.settings.connect-timeout = 5;
  nix.settings.fallback = true;
  nix.settings.trusted-public-keys = [
    "cache.garnix.io:bHQusncMpbWwp9j27aDfO4faziSriFxMhuN+blb50Zc="
    "cache.flakehub.com-3:HrLmVALVo4CrpIne63Z8AZ3mOJia5QvGs1ARUzOmuPI="
    "cache.flakehub.com-4:P0MRZVdV1y5LY4Kcxwn9rUVDUN4nvrlOAhLtyd7d7n8="
    "cache.flakehub.com-10:fvgm5U9T3vQAzF3rcmXbXDZNpKifs5lWeylpW+wpmVk="
    "nix-cache-eu-1:rf+IcxKH2IuneKwoYCvVJK/m1wuIf7vP4VVa4djHNhM="
  ];
}
