# The "key" below is the 64-byte secret format, made of random test bytes (not a real key).
{ ... }:
{
  nix.settings = {
    substituters = [ "http://magnolia:5000" ];
    trusted-public-keys = [
      "magnolia.cache:Fdy9SKu1i8RUsa43VpuMoTJqTvF8V7RZLthXgdDZqLzgBQ8elHIZCbYCddsZX8rtxENmmgW3tVjxBjw8FjnWQw=="
    ];
    connect-timeout = 5;
    fallback = true;
  };
}
