# hydra.nixos.org-1 still signs old paths of cache.nixos.org, and mirrors of cache.nixos.org
# serve its signed paths: NixOS adds https://cache.nixos.org/ and its key by itself.
{
  nix.settings = {
    substituters = [
      "https://mirrors.tuna.tsinghua.edu.cn/nix-channels/store"
      "https://hetzner-cache.numtide.com"
    ];
    trusted-public-keys = [
      "hydra.nixos.org-1:ZlxXmMBqpM7gOZ5Z1YxSGDYoFH6gxEgZLaoya69vf3c="
    ];
  };
}
