"""Workflows: the complete runs behind every CLI command, as Python functions.

Each function validates its input, creates (or resumes) a run directory where it writes one,
shows progress, computes with the algorithm packages, and returns a result object that holds
the command's ``--json`` output (``to_dict()``; ``TrackResult.to_summary()`` for ``track``). The CLI modules only parse options,
call one of these and format the result, so a notebook gets everything the terminal gets::

    from spinscope.workflows import simulate, model_from_spec
    res = simulate(model_from_spec("ising", L=32), temperatures=[2.2, 2.4], sweeps=2000, seed=1)

This is the top layer below ``cli``: algorithms, ``analysis``, ``io`` and ``report`` never import
it. Names load lazily, so importing one workflow does not import the others' dependencies.
Module names differ from the function names (``simulation`` defines ``simulate``), so that
``from spinscope.workflows import simulate`` is always the function.
"""

from __future__ import annotations

import importlib

# public name -> module that defines it
_EXPORTS = {
    "model_from_spec": "spinscope.workflows.specs",
    "MODEL_NAMES": "spinscope.workflows.specs",
    "LATTICES": "spinscope.workflows.specs",
    "simulate": "spinscope.workflows.simulation",
    "simulate_spec": "spinscope.workflows.simulation",
    "SimulationResult": "spinscope.workflows.simulation",
    "exact_table": "spinscope.workflows.exact",
    "ExactTable": "spinscope.workflows.exact",
    "fit_mcm": "spinscope.workflows.mcm",
    "score_mcm": "spinscope.workflows.mcm",
    "MCMFit": "spinscope.workflows.mcm",
    "MCMScore": "spinscope.workflows.mcm",
    "analyze": "spinscope.workflows.network_analysis",
    "AnalyzeResult": "spinscope.workflows.network_analysis",
    "mc_check": "spinscope.workflows.network_analysis",
    "generate": "spinscope.workflows.generation",
    "GenerateResult": "spinscope.workflows.generation",
    "solve_file": "spinscope.workflows.solve",
    "SolveFileResult": "spinscope.workflows.solve",
    "track": "spinscope.workflows.tracking",
    "landscape_study": "spinscope.workflows.landscape",
    "landscape_search": "spinscope.workflows.landscape",
    "landscape_protocols": "spinscope.workflows.loss_study",
    "LossLandscapeResult": "spinscope.workflows.loss_study",
    "TrackResult": "spinscope.workflows.tracking",
    "track_options_from_run": "spinscope.workflows.tracking",
    "infer": "spinscope.workflows.inference",
    "glm": "spinscope.workflows.glm_study",
    "GLMResult": "spinscope.workflows.glm_study",
    "hopfield": "spinscope.workflows.hopfield_study",
    "HopfieldResult": "spinscope.workflows.hopfield_study",
    "cpm": "spinscope.workflows.cell_sorting",
    "CPMResult": "spinscope.workflows.cell_sorting",
    "phases": "spinscope.workflows.phases_study",
    "PhasesResult": "spinscope.workflows.phases_study",
    "sd_data": "spinscope.workflows.sd_study",
    "sd_train": "spinscope.workflows.sd_study",
    "sd_run": "spinscope.workflows.sd_dynamics",
    "sd_compare": "spinscope.workflows.sd_comparison",
    "sweep": "spinscope.workflows.sweeps",
    "SweepResult": "spinscope.workflows.sweeps",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'spinscope.workflows' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
