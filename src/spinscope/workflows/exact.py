"""``exact_table``: exact thermodynamics of a model at several temperatures (``spinscope exact``).

Small Ising, Potts and clock models are enumerated (:func:`spinscope.exact.energy_levels`); the
2-D periodic ferromagnetic Ising square gets the exact finite-torus energy (Ferdinand–Fisher)
beside it; ``"onsager"`` tabulates the infinite 2-D Ising model; an XY ring or open chain uses
the 1-D closed form (:func:`spinscope.exact.xy_chain`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spinscope import exact
from spinscope._validation import check_temperatures
from spinscope.errors import InputError
from spinscope.exact.enumeration import MAX_ISING_SPINS, MAX_STATES
from spinscope.workflows.specs import model_from_spec, spec_num_spins

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
    notes : tuple of str
        Remarks on particular values (a specific heat that diverges, printed ``inf``).
    """

    model: str
    title: str
    rows: list
    notes: tuple = ()

    def to_dict(self) -> dict:
        """The ``--json`` output of ``spinscope exact`` (``notes`` only when there are any)."""
        d = {"model": self.model, "rows": self.rows}
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    def to_pandas(self):
        """The rows as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows)


_XY_CHAIN_ONLY = ("exact results for the XY model exist for the chain only (--lattice chain); "
                  "use spinscope simulate for other lattices")


def _onsager_rows(T: np.ndarray, J: float) -> list[dict]:
    return [{"T": t, "energy": exact.onsager_energy(t, J), "specific_heat": exact.onsager_specific_heat(t, J),
             "free_energy": exact.onsager_free_energy(t, J),
             "abs_magnetization": exact.onsager_magnetization(t, J)} for t in T]


def _onsager_notes(rows: list[dict]) -> tuple:
    at_tc = [r["T"] for r in rows if math.isinf(r["specific_heat"])]
    if not at_tc:
        return ()
    return (f"specific_heat diverges (logarithmically) at T = {at_tc[0]:.10g} = T_c: printed inf "
            "(null in JSON)",)


def _xy_rows(m, T: np.ndarray, J: float) -> list[dict]:
    g = m.graph
    if g is None or g.kind != "hypercubic" or g.dim != 1:
        raise InputError(_XY_CHAIN_ONLY)
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
            r["energy_ferdinand_fisher"] = _ferdinand_fisher_energy(torus, t, J)
        rows.append(r)
    return rows


def _ferdinand_fisher_energy(torus: tuple[int, ...], T: float, J: float) -> float:
    """Exact energy per spin of spinscope's periodic square lattice of shape ``torus``.

    The Ferdinand–Fisher torus has two bonds between the sites of a side of length 2 where
    spinscope's lattice has one: the 2 x 2 lattice with ``J`` is their 2 x 2 torus with ``J / 2``.
    """
    if all(side == 2 for side in torus):
        return exact.ferdinand_fisher(2, 2, T, J / 2).energy
    return exact.ferdinand_fisher(torus[1], torus[0], T, J).energy


def _check_enumerable(model: str, *, L: int, dim: int | None, lattice: str | None, q: int) -> None:
    """Refuse a named model with too many states to enumerate, or an XY model off the chain,
    before its lattice is built."""
    if model == "xy" and not (lattice == "chain" or (lattice in (None, "hypercubic") and dim == 1)):
        raise InputError(_XY_CHAIN_ONLY)
    if model not in ("ising", "potts", "clock", "ea", "sk"):
        return
    n = spec_num_spins(model, lattice=lattice, dim=dim, L=L)
    where = f"{model} with L={L}" if model != "sk" else "sk (n=64)"
    if model in ("ising", "ea", "sk"):
        if n > MAX_ISING_SPINS:
            raise InputError(f"exact enumeration handles up to {MAX_ISING_SPINS} Ising spins; {where} "
                             f"has {n} spins: use a smaller --L (or spinscope simulate)")
    elif n * math.log2(q) > math.log2(MAX_STATES):
        raise InputError(f"exact enumeration handles up to {MAX_STATES} = 2^26 states; {where} has "
                         f"q^n = {q}^{n} states: use a smaller --L or --q (or spinscope simulate)")


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

    Raises
    ------
    InputError
        Bad temperatures, options or model file, or a model with too many states to enumerate
        (refused before its lattice is built).
    """
    T = check_temperatures(temperatures, "temperatures")
    if model == "onsager":
        rows = _onsager_rows(T, J)
        return ExactTable(model, f"2D Ising, infinite lattice (Onsager), T_c = {exact.onsager_tc(J):.6f}",
                          rows, _onsager_notes(rows))
    _check_enumerable(model, L=L, dim=dim, lattice=lattice, q=q)
    m = model_from_spec(model, L=L, dim=dim, lattice=lattice, J=J,
                        q=q if model in ("potts", "clock") else None)
    if m.kind == "xy":
        return ExactTable(model, f"{m!r}: exact 1-D closed form", _xy_rows(m, T, J))
    shape = m.lattice_shape
    square = model == "ising" and shape is not None and len(shape) == 2 and J > 0 \
        and (m.graph is not None and m.graph.kind == "hypercubic") \
        and (2 not in shape or all(side == 2 for side in shape))
    return ExactTable(model, f"{m!r}: exact enumeration",
                      _enumerated_rows(m, T, torus=shape if square else None, J=J))
