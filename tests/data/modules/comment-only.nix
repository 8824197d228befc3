{
  nix.settings.substituters = [
    # nothing yet
  ];
  nix.settings.trusted-public-keys = [
    /* nothing */
  ];
}
