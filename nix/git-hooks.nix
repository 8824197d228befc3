# Hooks for cachix/git-hooks.nix (formerly pre-commit-hooks.nix): `cachectl-check` runs
# `cachectl check` on the staged .nix files before each commit; `cachectl-fix` (off unless
# enabled) applies the safe fixes first, which fails the commit so they can be reviewed. Merge the result into the `hooks` of
# `git-hooks.lib.${system}.run { src = ./.; hooks = …; }`; see docs/install-and-hooks.md.
# The attribute names are git-hooks.nix's hook options (modules/hook.nix there).
{ cachectl }:
{
  cachectl-check = {
    enable = true;
    name = "cachectl-check";
    description = "Check the binary caches (substituters and trusted keys) set in Nix files";
    # The store path pins the binary, so the hook does not depend on the user's PATH.
    entry = "${cachectl}/bin/cachectl check";
    files = "\\.nix$";
    pass_filenames = true;
    language = "system";
  };
  cachectl-fix = {
    enable = false;
    name = "cachectl-fix";
    description = "Apply the safe fixes for the binary cache settings in Nix files";
    entry = "${cachectl}/bin/cachectl fix";
    files = "\\.nix$";
    pass_filenames = true;
    language = "system";
  };
}
