# Functions, formals, with, assert, legacy let, paths and search paths.
let
  id = x: x;
  compose = f: g: x: f (g x);
  withDefaults = { a ? 1, b ? a + 1, ... }@all: a + b + (all.c or 0);
  legacy = let { body = value; value = 2; };
  pathy = n: ./modules/${toString n}.nix;
in
assert builtins.isFunction id;
with { extra = 1; };
{
  value = compose id id (withDefaults { a = legacy; });
  nixpkgs = <nixpkgs>;
  neg = -1 - extra;
  cmp = if 1 < 2 && 2 >= 1 || !true then "a" else "b";
  has = { x = 1; } ? x;
  update = { a = 1; } // { b = 2; };
  list = [ 1 2 ] ++ [ (id 3) ];
  inherit pathy;
}
