"""Minimally Complex Models (MCMs): Bayesian selection of the simplest spin model for binary data.

References: C. de Mulatier, P. P. Mazza, M. Marsili, "Statistical Inference of Minimally Complex
Models" (arXiv:2008.00520); A. Beretta, C. Battistin, C. de Mulatier, I. Mastromatteo, M. Marsili,
"The Stochastic Complexity of Spin Models: Are Pairwise Models Really Simple?" Entropy 20 (2018).
See ``docs/mcm.md`` for the formulas and conventions.

Modules: ``data`` (reading, bit-packed counts), ``evidence`` (log-evidence, likelihood,
complexity of MCMs), ``basis`` (spin operators, best basis, gauge transformations), ``search``
(exact / greedy / annealing partition search), ``model`` (``MinimallyComplexModel``),
``complexity`` (stochastic complexity of any operator set).
"""

from spinscope.mcm.basis import (
    BasisResult,
    best_basis,
    gf2_inverse,
    inverse_transform,
    operator_frequencies,
    read_basis_file,
    transform,
)
from spinscope.mcm.complexity import (
    complexity_classes,
    gauge_transform,
    geometric_complexity,
    stochastic_complexity,
)
from spinscope.mcm.data import BinaryData, as_binary_data, read_binary_data
from spinscope.mcm.evidence import (
    ComponentEvidence,
    MCMEvidence,
    complexity_complete,
    component_log_evidence,
    evaluate_partition,
    log_evidence,
    log_evidence_complete,
    max_log_likelihood,
)
from spinscope.mcm.model import MinimallyComplexModel
from spinscope.mcm.search import (
    MAX_EXACT_N,
    PartitionResult,
    anneal_schedule,
    anneal_search,
    exact_search,
    greedy_search,
)

__all__ = [
    "MAX_EXACT_N",
    "BasisResult",
    "BinaryData",
    "ComponentEvidence",
    "MCMEvidence",
    "MinimallyComplexModel",
    "PartitionResult",
    "anneal_schedule",
    "anneal_search",
    "as_binary_data",
    "best_basis",
    "complexity_classes",
    "complexity_complete",
    "component_log_evidence",
    "evaluate_partition",
    "exact_search",
    "gauge_transform",
    "geometric_complexity",
    "gf2_inverse",
    "greedy_search",
    "inverse_transform",
    "log_evidence",
    "log_evidence_complete",
    "max_log_likelihood",
    "operator_frequencies",
    "read_basis_file",
    "read_binary_data",
    "stochastic_complexity",
    "transform",
]
