# Cachix: https://NAME.cachix.org is signed by NAME.cachix.org-1 (-2 after a rotation).
{
  nix.settings = {
    substituters = [
      "https://lilas.cachix.org"
      "https://tilleul.cachix.org/"
    ];
    trusted-public-keys = [
      "lilas.cachix.org-1:HF+M5tyGKQ6oG86llpCvoXAGvwlZoDDdblnM0z3afBQ="
      "tilleul.cachix.org-2:nIV4mMZUBnIePUu0GOeOtiHcsQA5jiqElbPtTrebULs="
    ];
  };
}
