# Public caches whose published key has another name.
{
  nixConfig = {
    extra-substituters = [
      "https://cache.iog.io"
      "https://install.determinate.systems"
    ];
    extra-trusted-public-keys = [
      "hydra.iohk.io:HF+M5tyGKQ6oG86llpCvoXAGvwlZoDDdblnM0z3afBQ="
      "cache.flakehub.com-3:HrLmVALVo4CrpIne63Z8AZ3mOJia5QvGs1ARUzOmuPI="
    ];
  };
  outputs = _: { };
}
