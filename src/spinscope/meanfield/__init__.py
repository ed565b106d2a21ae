"""Mean-field theory of spin glasses: replica theory of layered SK, TAP equations, stability.

* :mod:`~spinscope.meanfield.replica` – ``T_c`` of the random layered ensemble (tridiagonal ``A``).
* :mod:`~spinscope.meanfield.stability` – ``lambda_min`` of ``I - beta J + beta^2 D`` and ``T_c`` of one instance.
* :mod:`~spinscope.meanfield.tap` – batched, annealed TAP solver (exact block-coordinate descent).
"""

from spinscope.meanfield.replica import (
    layered_A,
    layered_tc,
    layered_tc_closed_form,
    replica_hessian_min_eig,
    sk_tc,
)
from spinscope.meanfield.stability import StabilityResult, beta_scale, stability_curve, stability_tc
from spinscope.meanfield.tap import (
    TapResult,
    tap_free_energy,
    tap_hessian_min_eig,
    tap_residual,
    tap_solve,
)

__all__ = [
    "StabilityResult",
    "TapResult",
    "beta_scale",
    "layered_A",
    "layered_tc",
    "layered_tc_closed_form",
    "replica_hessian_min_eig",
    "sk_tc",
    "stability_curve",
    "stability_tc",
    "tap_free_energy",
    "tap_hessian_min_eig",
    "tap_residual",
    "tap_solve",
]
