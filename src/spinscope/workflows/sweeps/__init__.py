"""Parameter sweeps on Dask: ``spinscope sweep SPEC.toml`` and :func:`sweep`.

A sweep file names one workflow (:data:`SWEEPABLE`), its fixed options and the axes to sweep;
every grid point and repetition is one task with its own seed, run on a Dask cluster (a local
one of worker processes, or an existing one at ``--scheduler``), or one by one in this process
(``workers=0``). Results are gathered as tasks complete into ``results.parquet``; each task
keeps its own run directory. See ``docs/cluster.md``.

Modules: :mod:`.registry` (the sweepable workflows and their options), :mod:`.spec` (sweep
files, tasks, seeds), :mod:`.engine` (running a task; Dask clients), :mod:`.table` (the results
table), :mod:`.runner` (:func:`sweep`).
"""

from spinscope.workflows.sweeps.registry import SWEEPABLE, Option, SweepWorkflow, register
from spinscope.workflows.sweeps.runner import SweepResult, sweep
from spinscope.workflows.sweeps.spec import SweepSpec, Task, load_spec, task_seed

__all__ = ["SWEEPABLE", "Option", "SweepResult", "SweepSpec", "SweepWorkflow", "Task", "load_spec",
           "register", "sweep", "task_seed"]
