"""``model_from_spec``: the one place where a model is built from a name and a few sizes.

Every command that takes a MODEL argument (``simulate``, ``exact``, ...) builds it here, with one
lattice vocabulary:

``--lattice``
    ``chain`` (1-D), ``square`` (2-D), ``cubic`` (3-D), ``hypercubic`` (dimension ``--dim``,
    default 2) or ``triangular`` (2-D); ``--dim`` alone picks the hypercubic lattice of that
    dimension. Every lattice is periodic, of side ``L``.
MODEL
    ``ising``, ``potts``, ``clock`` (on the lattice, coupling ``J``), ``ea`` (±J Edwards–Anderson,
    default cubic), ``sk`` (Sherrington–Kirkpatrick on ``n`` spins), ``xy`` (planar rotors on the
    lattice), or the path of a model file written by :func:`spinscope.models.save_model`.
"""

from __future__ import annotations

import math
from pathlib import Path

from spinscope._validation import check_int, check_memory
from spinscope.errors import InputError

__all__ = ["LATTICES", "MODEL_NAMES", "model_from_spec", "spec_num_spins"]

# lattice name -> dimension (None: taken from ``dim``, default 2)
LATTICES: dict[str, int | None] = {"chain": 1, "square": 2, "cubic": 3, "hypercubic": None,
                                   "triangular": 2}
# model name -> default lattice
MODEL_NAMES: dict[str, str | None] = {"ising": "square", "potts": "square", "clock": "square",
                                      "xy": "square", "ea": "cubic", "sk": None}
_DEFAULT_Q = {"potts": 3, "clock": 4}


# peak bytes while a lattice model is built (graph edges, their canonical sort, the CSR coupling
# matrix and its symmetry check), measured with tracemalloc: ~160-180 per bond plus ~40 per site
_BYTES_PER_BOND = 200
_BYTES_PER_SITE = 64


def _lattice_shape(lattice: str, dim: int | None, L: int) -> tuple[str, tuple[int, ...]]:
    """``(graph kind, shape)`` of a ``--lattice``/``--dim`` choice, checked, nothing built."""
    if lattice not in LATTICES:
        raise InputError(f"lattice {lattice!r} is not one of {', '.join(LATTICES)}")
    if lattice == "triangular":
        if dim not in (None, 2):
            raise InputError(f"the triangular lattice is 2-D; got dim={dim}")
        return "triangular", (L, L)
    d = LATTICES[lattice]
    if dim is not None:
        if d is not None and lattice != "hypercubic" and dim != d:
            raise InputError(f"lattice {lattice!r} is {d}-D but dim={dim}; give one of them")
        d = dim
    d = 2 if d is None else check_int(d, "dim", minimum=1)
    if d > 3:
        raise InputError(f"dim must be 1, 2 or 3, got {d}")
    return "hypercubic", (L,) * d


def _check_lattice_memory(spec: str, kind: str, shape: tuple[int, ...]) -> None:
    """Refuse, before building it, a lattice model that would not fit in memory."""
    sites = math.prod(shape)
    bonds = sites * (3 if kind == "triangular" else len(shape))
    check_memory(None, f"{spec} on the {'x'.join(map(str, shape))} {kind} lattice ({sites} spins)",
                 estimate={"lattice and couplings": _BYTES_PER_SITE * sites + _BYTES_PER_BOND * bonds},
                 advice="use a smaller L")


def _graph(lattice: str, dim: int | None, L: int, spec: str = "model"):
    from spinscope.models import hypercubic, triangular

    kind, shape = _lattice_shape(lattice, dim, L)
    _check_lattice_memory(spec, kind, shape)
    return triangular(shape) if kind == "triangular" else hypercubic(shape)


def spec_num_spins(spec: str, *, lattice: str | None = None, dim: int | None = None, L: int = 16,
                   n: int = 64) -> int | None:
    """Number of spins of the model :func:`model_from_spec` would build, without building it.

    Returns ``None`` for a model file (its size is in the file). Lets a caller refuse a request
    (too many spins to enumerate, say) before any memory is spent on the lattice.
    """
    spec = str(spec)
    if spec not in MODEL_NAMES:
        return None
    if spec == "sk":
        return check_int(n, "n", minimum=2)
    L = check_int(L, "L", minimum=2)
    if lattice is None:
        lattice = "hypercubic" if dim is not None else MODEL_NAMES[spec]
    return math.prod(_lattice_shape(lattice, dim, L)[1])


def model_from_spec(spec: str, *, lattice: str | None = None, dim: int | None = None, L: int = 16,
                    n: int = 64, q: int | None = None, J: float = 1.0, seed=None):
    """Build the model named ``spec`` (see the module docstring for the vocabulary).

    Parameters
    ----------
    spec : str
        A model name (:data:`MODEL_NAMES`) or a model file path.
    lattice : str, optional
        One of :data:`LATTICES`; default ``square`` (``cubic`` for ``ea``).
    dim : int, optional
        Hypercubic dimension 1-3 (overrides the default lattice).
    L : int
        Linear size of the periodic lattice.
    n : int
        Number of spins of ``sk``.
    q : int, optional
        States of ``potts`` (default 3) and ``clock`` (default 4).
    J : float
        Coupling of ``ising``/``potts``/``clock``/``xy`` (> 0 ferromagnetic); scale of ``ea``/``sk``.
    seed : int, optional
        Disorder seed of ``ea`` and ``sk``.

    Raises
    ------
    ValueError
        An unknown name that is not an existing file, or options that do not fit the model.
    MemoryLimitError
        A lattice (or an ``sk`` coupling matrix) that would not fit in the available memory,
        refused before anything is allocated.
    """
    from spinscope import models

    spec = str(spec)
    if spec not in MODEL_NAMES:
        path = Path(spec)
        if not path.is_file():
            raise InputError(f"MODEL {spec!r} is neither one of {', '.join(MODEL_NAMES)} nor an "
                             "existing model file (.npz)")
        return models.load_model(path)
    L = check_int(L, "L", minimum=2)
    if not math.isfinite(float(J)):
        raise InputError(f"J must be a finite coupling, got {J!r}")
    if q is not None and spec not in _DEFAULT_Q:
        raise InputError(f"q applies to potts and clock models, not {spec!r}")
    if spec == "sk":
        if lattice is not None or dim is not None:
            raise InputError("sk is fully connected: it takes n, not a lattice or dim")
        return models.sk(check_int(n, "n", minimum=2), J=J, seed=seed)
    if lattice is None:
        lattice = "hypercubic" if dim is not None else MODEL_NAMES[spec]
    graph = _graph(lattice, dim, L, spec)
    if spec == "ea":
        if graph.kind != "hypercubic":
            raise InputError("ea lives on hypercubic lattices; use --lattice chain/square/cubic or --dim")
        m = models.edwards_anderson(graph.shape, seed=seed)
        return m if J == 1.0 else models.IsingModel(m.couplings * float(J), graph=m.graph, name=m.name)
    if spec == "ising":
        return models.IsingModel.from_graph(graph, J)
    if spec == "xy":
        return models.XYModel.from_graph(graph, J)
    cls = models.PottsModel if spec == "potts" else models.ClockModel
    return cls.from_graph(graph, check_int(q if q is not None else _DEFAULT_Q[spec], "q", minimum=2), J)
