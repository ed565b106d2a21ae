"""``exact_table``: exact thermodynamics of a model at several temperatures (``spinscope exact``).

Small Ising, Potts and clock models are enumerated (:func:`spinscope.exact.energy_levels`); the
2-D periodic ferromagnetic Ising square gets the exact finite-torus energy (Ferdinand–Fisher)
beside it; ``"onsager"`` tabulates the infinite 2-D Ising model; an XY ring or open chain uses
the 1-D closed form (:func:`spinscope.exact.xy_chain`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinscope import exact
from spinscope._validation import check_temperatures
from spinscope.errors import InputError
from spinscope.workflows.specs import model_from_spec

__all__ = ["ExactTable", "exact_table"]


@dataclass(frozen=True)
class ExactTable:
    """Rows of exact values, one per temperature.

    Attributes
    ----------
    model : str
        The model as named by the caller.
    title : str
        One line describing the model and the method.
    rows : list of dict
        ``T`` then the exact quantities (energy, specific heat, ... per spin).
    """

    model: str
    title: str
    rows: list

    def to_dict(self) -> dict:
        """The ``--json`` output of ``spinscope exact``."""
        return {"model": self.model, "rows": self.rows}

    def to_pandas(self):
        """The rows as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows)


def _onsager_rows(T: np.ndarray, J: float) -> list[dict]:
    return [{"T": t, "energy": exact.onsager_energy(t, J), "specific_heat": exact.onsager_specific_heat(t, J),
             "free_energy": exact.onsager_free_energy(t, J),
             "abs_magnetization": exact.onsager_magnetization(t, J)} for t in T]


def _xy_rows(m, T: np.ndarray, J: float) -> list[dict]:
    g = m.graph
    if g is None or g.kind != "hypercubic" or g.dim != 1:
        raise InputError("exact results for the XY model exist for the chain only (--lattice chain); "
                         "use spinscope simulate for other lattices")
    rows = []
    for t in T:
        r = exact.xy_chain(m.n, t, J, periodic=g.periodic)
        rows.append({"T": t, "energy": r.energy, "free_energy": r.free_energy})
    return rows


def _enumerated_rows(m, T: np.ndarray, *, torus: tuple[int, int] | None, J: float) -> list[dict]:
    levels = exact.energy_levels(m)
    rows = []
    for t in T:
        r = exact.thermo_from_levels(*levels, 1.0 / t, m.n, probabilities=False).to_dict()
        r = {"T": t, **{k: v for k, v in r.items() if k not in ("beta", "n")}}
        if torus is not None:
            r["energy_ferdinand_fisher"] = exact.ferdinand_fisher(*torus, t, J).energy
        rows.append(r)
    return rows


def exact_table(model: str, *, temperatures, L: int = 4, dim: int | None = None, q: int = 3,
                lattice: str | None = None, J: float = 1.0) -> ExactTable:
    """Exact thermodynamics of ``model`` at ``temperatures``.

    Parameters
    ----------
    model : str
        ``"onsager"`` (infinite 2-D Ising model), a model name of
        :func:`~spinscope.workflows.model_from_spec` (``ising``, ``potts``, ``clock``, ``xy``:
        periodic lattice of side ``L``) or a model file.
    temperatures : sequence of float
        Temperatures ``T > 0`` in units of ``J / k_B``.
    L, dim, q, lattice, J
        As in :func:`~spinscope.workflows.model_from_spec` (``q`` is used by potts/clock only).

    Returns
    -------
    ExactTable
    """
    T = check_temperatures(temperatures, "temperatures")
    if model == "onsager":
        return ExactTable(model, f"2D Ising, infinite lattice (Onsager), T_c = {exact.onsager_tc(J):.6f}",
                          _onsager_rows(T, J))
    m = model_from_spec(model, L=L, dim=dim, lattice=lattice, J=J,
                        q=q if model in ("potts", "clock") else None)
    if m.kind == "xy":
        return ExactTable(model, f"{m!r}: exact 1-D closed form", _xy_rows(m, T, J))
    shape = m.lattice_shape
    square = model == "ising" and shape is not None and len(shape) == 2 and J > 0 \
        and (m.graph is not None and m.graph.kind == "hypercubic")
    return ExactTable(model, f"{m!r}: exact enumeration",
                      _enumerated_rows(m, T, torus=shape if square else None, J=J))
