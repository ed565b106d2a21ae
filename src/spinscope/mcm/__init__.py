"""Minimally Complex Models (MCMs): Bayesian selection of the simplest spin model for binary data.

References: C. de Mulatier, P. P. Mazza, M. Marsili, "Statistical Inference of Minimally Complex
Models" (arXiv:2008.00520); A. Beretta, C. Battistin, C. de Mulatier, I. Mastromatteo, M. Marsili,
"The Stochastic Complexity of Spin Models: Are Pairwise Models Really Simple?" Entropy 20 (2018).
See ``docs/mcm.md`` for the formulas and conventions.
"""

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

__all__ = [
    "BinaryData",
    "ComponentEvidence",
    "MCMEvidence",
    "as_binary_data",
    "complexity_complete",
    "component_log_evidence",
    "evaluate_partition",
    "log_evidence",
    "log_evidence_complete",
    "max_log_likelihood",
    "read_binary_data",
]
