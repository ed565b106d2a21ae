"""Bayesian inference in generalised linear models (``docs/glm.md``).

* :mod:`~spinscope.glm.priors` – signal priors and their input denoisers.
* :mod:`~spinscope.glm.channels` – output channels and their output denoisers.
* :mod:`~spinscope.glm.state_evolution` – replica free entropy, every fixed point, thresholds.
* :mod:`~spinscope.glm.amp` – batched Bayes-optimal GAMP on teacher-student instances.
* :mod:`~spinscope.glm.exact` – exact posteriors by enumeration of {±1}^N (N <= 20).
* :mod:`~spinscope.glm.grf` – the Gaussian-random-field generative model (all or nothing).
"""

from spinscope.glm.amp import AMPResult, amp_instances, gamp, teacher_student
from spinscope.glm.channels import CHANNELS, Channel, make_channel
from spinscope.glm.exact import ExactPosterior, exact_glm, exact_grf
from spinscope.glm.grf import Covariance, GRFOutput, make_covariance
from spinscope.glm.priors import PRIORS, Prior, make_prior
from spinscope.glm.state_evolution import FixedPoint, SECurve, StateEvolution

__all__ = [
    "CHANNELS",
    "PRIORS",
    "AMPResult",
    "Channel",
    "Covariance",
    "ExactPosterior",
    "FixedPoint",
    "GRFOutput",
    "Prior",
    "SECurve",
    "StateEvolution",
    "amp_instances",
    "exact_glm",
    "exact_grf",
    "gamp",
    "make_channel",
    "make_covariance",
    "make_prior",
    "teacher_student",
]
