"""Inverse problems: spin models learned from samples, and differentiable expectations.

Estimators (scikit-learn style: ``fit(X)`` returns the estimator; ``couplings_``, ``fields_``,
``to_model()``, ``summary()``) learn an :class:`~spinscope.models.IsingModel` or
:class:`~spinscope.models.PottsModel` from equilibrium samples:

* :class:`MeanFieldInverse` (naive mean field) and :class:`TAPInverse`: closed forms from the
  connected correlation matrix;
* :class:`PseudoLikelihood`: pseudo-likelihood maximisation (symmetric or asymmetric, L1/L2,
  Ising and q-state Potts);
* :class:`BoltzmannLearning`: moment matching with persistent chains of :mod:`spinscope.mc`;
* :class:`ExactLikelihood`: exact maximum likelihood by enumeration (n <= 20), the reference.

Differentiable expectations: :func:`expectation` (Monte Carlo, gradients with respect to the
couplings, fields and beta of a :class:`TorchIsing` / :class:`TorchPotts` through a custom
autograd function, jackknife errors) and its exact twin :func:`exact_expectation`.

Data are read and validated by :func:`read_spin_data` / :func:`as_spin_data`. Conventions and
formulas: ``docs/inverse.md``. This package imports models, exact, mc, meanfield and analysis;
nothing below layer 4 imports it.
"""

from spinscope.inverse.bm import BoltzmannLearning
from spinscope.inverse.data import SpinData, as_spin_data, read_spin_data
from spinscope.inverse.exact import ExactLikelihood, model_moments_exact
from spinscope.inverse.exact_expectation import exact_expectation
from spinscope.inverse.expectation import expectation
from spinscope.inverse.meanfield import MeanFieldInverse, TAPInverse
from spinscope.inverse.plm import PseudoLikelihood, pseudo_log_likelihood, zero_sum_gauge
from spinscope.inverse.result import ExpectationResult
from spinscope.inverse.sampling import SampleSet, equilibrium_samples
from spinscope.inverse.torch_models import TorchIsing, TorchPotts

ESTIMATORS = {"plm": PseudoLikelihood, "bm": BoltzmannLearning, "mf": MeanFieldInverse,
              "tap": TAPInverse, "exact": ExactLikelihood}

__all__ = [
    "ESTIMATORS",
    "BoltzmannLearning",
    "ExactLikelihood",
    "ExpectationResult",
    "MeanFieldInverse",
    "PseudoLikelihood",
    "SampleSet",
    "SpinData",
    "TAPInverse",
    "TorchIsing",
    "TorchPotts",
    "as_spin_data",
    "equilibrium_samples",
    "exact_expectation",
    "expectation",
    "model_moments_exact",
    "pseudo_log_likelihood",
    "read_spin_data",
    "zero_sum_gauge",
]
