"""Monte Carlo update rules: the registry and its built-in entries.

:data:`RULES` maps a rule name to its :class:`~spinscope.mc.rules.registry.UpdateRule`; the
sampler, its error messages and the CLI's ``--algorithm`` choices are derived from it. To add a
rule (or a new model kind to an existing rule), write its module next to these and add its
``IMPLEMENTATIONS`` to :data:`_BUILTIN` below — see ``docs/extending.md``. Code outside
spinscope can call ``RULES.register(implementation)``.
"""

from __future__ import annotations

from spinscope.mc.rules import block, cluster, embedding, local, multispin, rbm, xy
from spinscope.mc.rules.registry import BACKENDS, Implementation, RuleRegistry, UpdateRule

__all__ = ["ALGORITHMS", "BACKENDS", "RULES", "Implementation", "RuleRegistry", "UpdateRule"]

# one entry per module; the order is the order of listings (metropolis first: the default)
_BUILTIN = (
    local.IMPLEMENTATIONS,
    cluster.IMPLEMENTATIONS,
    multispin.IMPLEMENTATIONS,
    block.IMPLEMENTATIONS,
    xy.IMPLEMENTATIONS,
    embedding.IMPLEMENTATIONS,
    rbm.IMPLEMENTATIONS,
)

RULES = RuleRegistry(impl for group in _BUILTIN for impl in group)

#: the rule names, in registry order (registered later by other code: see ``RULES``)
ALGORITHMS = tuple(RULES)
