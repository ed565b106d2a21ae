"""Numba CPU kernels of the Monte Carlo engine: the contract the samplers code against.

Everything here advances many independent chains in one call and **mutates the chain state in
place**. The functions check shapes and dtypes (cheap, O(1)) and raise
:class:`~spinscope.errors.InputError`; they do not re-validate spin values or temperatures,
which the sampler checks once where user input enters.

Chain state
-----------
``spins`` : int8, shape (R, n), C-contiguous
    Ising: ``-1/+1``. Potts/clock: states ``0 .. q-1``.
``betas`` : float64, shape (R,)
    Inverse temperature of each chain (``beta = 1/T``, units of ``1/J``).
``keys`` : uint64, shape (R,)
    One key per chain, from :func:`make_keys` (``seed`` -> ``spawn_seeds``).
``counters`` : uint64, shape (R,)
    RNG rounds done by each chain; every sweep (local, Swendsen–Wang, multispin) or Wolff
    cluster uses one round and adds 1. Saving ``spins, keys, counters`` and restoring them
    resumes a chain bit for bit.

Randomness is counter-based (see :mod:`spinscope._rng`): each random word is a hash of
``(key, counter, index)``, so a run is a deterministic function of the seed, **the same for any
number of threads**, and chains with different keys are independent.

Functions
---------
``make_keys(seed, R) -> uint64[R]``
``prepare_ising(model, *, kind=None) -> IsingPlan``
    kind ``"lattice"`` (uniform periodic hypercubic, 1-3 D, even sides >= 4: checkerboard with
    acceptance tables), ``"colored"`` (CSR + graph colouring, any sparse model), ``"dense"``
    (sequential, incrementally updated local fields).
``prepare_potts(model) -> PottsPlan``  (PottsModel or ClockModel; q <= 127)
``ising_sweeps(plan, spins, betas, keys, counters, *, rule="metropolis"|"heatbath", sweeps=1)``
    -> int64[R], number of spins that changed (Metropolis: accepted flips).
``potts_sweeps(plan, spins, betas, keys, counters, *, rule=..., sweeps=1)`` -> int64[R] changed.
``wolff_updates(plan, spins, betas, keys, counters, *, clusters=1)`` -> float64[R]
    mean Wolff cluster size (sites) per chain. Ferromagnetic, zero-field Ising or Potts only.
``swendsen_wang_sweeps(plan, spins, betas, keys, counters, *, sweeps=1)`` -> float64[R]
    mean number of clusters per sweep. Same restriction.
``prepare_multispin(model) -> MultispinPlan``  (2-D/3-D periodic ±J lattice, zero field)
``pack_spins(spins int8[64 W, n]) -> uint64[W, n]``, ``unpack_spins(words) -> int8[64 W, n]``
``multispin_sweeps(plan, words, betas_per_word, keys, counters, *, sweeps=1)`` -> int64[W]
    accepted flips per word (summed over its 64 replicas). ``keys``/``counters`` are per word.
``multispin_sweeps_measured(plan, words, betas_per_word, keys, counters, *, sweeps, every,
    pairs=False, structure=False)`` -> (int64[W], dict of counts after every ``every``-th sweep)
    (bit-sliced counts inside the compiled sweep loop); ``multispin_counts(plan, words, ...)``
    the same counts of the current words.
``energies(plan, spins_or_words) -> float64[R]`` (``[64 W]`` for a MultispinPlan)
``magnetizations(plan, spins_or_words)`` -> float64[R] (Ising, multispin: ``sum s / n``) or
    complex128[R] (Potts/clock: ``mean exp(2 pi i s / q)``; take ``abs`` for ``|m|``).

Threads: chains run in parallel when ``R >= numba.get_num_threads()`` or the system is small,
else the sites of one colour (rows of a lattice) run in parallel. Set the thread count with
``numba.set_num_threads``. Results are bitwise identical for any thread count and either
strategy (tested). On a machine shared with other busy processes a single lattice may run
faster with one thread: every half-sweep ends with a thread barrier.

Cost notes: the lattice kind converts the spins to a sublattice layout and back once per call
(O(n), small next to a sweep; pass ``sweeps > 1`` to amortise). The dense kind recomputes the
local fields once per call (O(n^2)). Module map: :mod:`spinscope._rng` (counter-based RNG shared with optimize),
:mod:`.plans` (plans, colouring), :mod:`.numba_lattice` (lattice kind), :mod:`.numba_local`
(colored/dense Ising, Potts/clock, observables), :mod:`.numba_cluster` (Wolff, SW),
:mod:`.numba_embed` (Wolff and SW by embedding for clock and XY), :mod:`.numba_multispin`
(bit-packed).
"""

from __future__ import annotations

import numpy as np

from spinscope._rng import make_keys
from spinscope._validation import check_int
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.mc.kernels import numba_cluster as _cl
from spinscope.mc.kernels import numba_lattice as _la
from spinscope.mc.kernels import numba_local as _lo
from spinscope.mc.kernels import numba_multispin as _ms
from spinscope.mc.kernels.plans import (
    IsingPlan,
    MultispinPlan,
    PottsPlan,
    fourier_tables,
    greedy_coloring,
    prepare_ising,
    prepare_multispin,
    prepare_potts,
)

__all__ = [
    "IsingPlan",
    "MultispinPlan",
    "PottsPlan",
    "energies",
    "greedy_coloring",
    "ising_sweeps",
    "ising_sweeps_measured",
    "magnetizations",
    "make_keys",
    "multispin_counts",
    "multispin_energies",
    "multispin_sweeps",
    "multispin_sweeps_measured",
    "pack_spins",
    "potts_sweeps",
    "prepare_ising",
    "prepare_multispin",
    "prepare_potts",
    "structure_factors",
    "structure_factors_from_sums",
    "swendsen_wang_sweeps",
    "unpack_spins",
    "wolff_updates",
]

_RULES = ("metropolis", "heatbath")


def _check_state(spins, betas, keys, counters, n: int, what: str = "spins", dtype=np.int8):
    if not isinstance(spins, np.ndarray) or spins.dtype != dtype or spins.ndim != 2:
        got = f"{spins.dtype} array of shape {spins.shape}" if isinstance(spins, np.ndarray) \
            else type(spins).__name__
        raise InputError(f"{what} must be a 2-D {np.dtype(dtype).name} numpy array (R, n), got {got}")
    if spins.shape[1] != n:
        raise InputError(f"{what} has {spins.shape[1]} sites per chain but the plan has n={n}")
    if not spins.flags.c_contiguous or not spins.flags.writeable:
        raise InputError(f"{what} must be C-contiguous and writeable (use np.ascontiguousarray)")
    R = spins.shape[0]
    for name, arr in (("keys", keys), ("counters", counters)):
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint64 or arr.shape != (R,):
            raise InputError(f"{name} must be a uint64 numpy array of shape ({R},); "
                             "make keys with make_keys(seed, R) and counters with "
                             "np.zeros(R, dtype=np.uint64)")
    if not counters.flags.writeable:
        raise InputError("counters must be writeable (they are advanced in place)")
    b = np.ascontiguousarray(betas, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(R, float(b))
    if b.shape != (R,):
        raise InputError(f"betas must have shape ({R},), one per chain, got {b.shape}")
    return b


def _check_rule(rule: str) -> bool:
    if rule not in _RULES:
        raise InputError(f"rule must be one of {_RULES}, got {rule!r}")
    return rule == "heatbath"


def ising_sweeps(plan: IsingPlan, spins: np.ndarray, betas: np.ndarray, keys: np.ndarray,
                 counters: np.ndarray, *, rule: str = "metropolis", sweeps: int = 1) -> np.ndarray:
    """Advance every Ising chain by ``sweeps`` full single-spin sweeps (in place).

    Parameters
    ----------
    plan : IsingPlan
        From :func:`prepare_ising`.
    spins : int8 array, shape (R, n)
        ±1 spins, updated in place.
    betas : float64 array, shape (R,)
        Inverse temperatures.
    keys, counters : uint64 arrays, shape (R,)
        Chain keys and round counters (counters advance by ``sweeps``).
    rule : {"metropolis", "heatbath"}
    sweeps : int

    Returns
    -------
    changed : int64 array, shape (R,)
        Number of spin changes per chain over all sweeps.
    """
    if not isinstance(plan, IsingPlan):
        raise SpinscopeTypeError(f"ising_sweeps needs an IsingPlan, got {type(plan).__name__}")
    heat = _check_rule(rule)
    sweeps = check_int(sweeps, "sweeps", minimum=0)
    b = _check_state(spins, betas, keys, counters, plan.n)
    par = _lo.by_chain(spins.shape[0], plan.n)
    if plan.kind == "lattice":
        tab, mode = _la.lattice_tables(plan, b, heat)
        H = _la.to_halves(spins, plan.rows, plan.row_len, plan.row_par)
        nbr = _la.padded_row_nbr(plan.row_nbr, plan.rows)
        acc = _la.half_sweeps(H, tab, mode, keys, counters, plan.row_len, nbr, plan.row_par,
                              plan.z, sweeps, par)
        _la.from_halves(H, spins, plan.rows, plan.row_len, plan.row_par)
        return acc
    if plan.kind == "dense":
        return _lo.dense_ising_sweeps(spins, b, keys, counters, plan.dense, plan.fields, heat,
                                      sweeps)
    return _lo.colored_ising_sweeps(spins, b, keys, counters, plan.indptr, plan.indices,
                                    plan.data, plan.fields, plan.color_ptr, plan.color_sites,
                                    heat, sweeps, par)


def ising_sweeps_measured(plan: IsingPlan, spins: np.ndarray, betas: np.ndarray, keys: np.ndarray,
                          counters: np.ndarray, *, rule: str = "metropolis", sweeps: int = 1,
                          every: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ising_sweeps` on a ``"lattice"`` plan, measuring after every ``every``-th sweep.

    The measurements are accumulated from the accepted moves inside the kernel (no extra pass
    over the lattice) and are exact: the same numbers a full recomputation gives.

    Returns
    -------
    changed : int64 (R,)
        As :func:`ising_sweeps` (the spins, counters and random numbers are identical too).
    energy : float64 (M, R)
        Total energy ``H`` after each measured sweep, ``M = sweeps // every``.
    magnetization : float64 (M, R)
        ``sum_i s_i / n``.
    fourier : complex128 (M, R, d)
        ``F_a = sum_i s_i exp(2 pi i x_a / L_a)`` along each lattice axis ``a`` (row-major axes).
    """
    if not isinstance(plan, IsingPlan) or plan.kind != "lattice":
        raise InputError("ising_sweeps_measured needs a 'lattice' Ising plan (uniform periodic "
                         "hypercubic lattice); use ising_sweeps and energies() otherwise")
    heat = _check_rule(rule)
    sweeps = check_int(sweeps, "sweeps", minimum=0)
    every = check_int(every, "every", minimum=1)
    b = _check_state(spins, betas, keys, counters, plan.n)
    R, M = spins.shape[0], sweeps // every
    tab, mode = _la.lattice_tables(plan, b, heat)
    bonds, mags = _lo._lattice_bond_sums(spins, plan.rows, plan.row_len, plan.row_nbr)
    ct, sn, rre, rim = plan.fourier
    four = _la.fourier_sums(spins, plan.row_len, rre, rim, ct, sn, plan.row_par)
    out_b, out_m = np.zeros((R, M), np.int64), np.zeros((R, M), np.int64)
    out_f = np.zeros((R, M, 6))
    H = _la.to_halves(spins, plan.rows, plan.row_len, plan.row_par)
    nbr = _la.padded_row_nbr(plan.row_nbr, plan.rows)
    acc = _la.half_sweeps_measured(H, tab, mode, keys, counters, plan.row_len, nbr, plan.row_par,
                                   plan.z, sweeps, every, _lo.by_chain(R, plan.n), bonds, mags, four,
                                   ct, sn, rre, rim, out_b, out_m, out_f)
    _la.from_halves(H, spins, plan.rows, plan.row_len, plan.row_par)
    energy = (-plan.J0 * out_b - plan.h0 * out_m).T.astype(np.float64)
    d = len(plan.shape)
    axes = [out_f[..., 0] + 1j * out_f[..., 1], out_f[..., 2] + 1j * out_f[..., 3]][: d - 1]
    fourier = np.stack([*axes, out_f[..., 4] + 1j * out_f[..., 5]], axis=-1).transpose(1, 0, 2)
    return acc, energy, (out_m.T / plan.n).astype(np.float64), fourier


def potts_sweeps(plan: PottsPlan, spins: np.ndarray, betas: np.ndarray, keys: np.ndarray,
                 counters: np.ndarray, *, rule: str = "metropolis", sweeps: int = 1) -> np.ndarray:
    """Advance every Potts/clock chain by ``sweeps`` sweeps (in place); states ``0..q-1`` int8.

    Metropolis proposes one of the other ``q-1`` states uniformly; heat-bath draws from the
    full conditional. Returns the number of spin changes per chain, int64 ``(R,)``.
    """
    if not isinstance(plan, PottsPlan):
        raise SpinscopeTypeError(f"potts_sweeps needs a PottsPlan, got {type(plan).__name__}")
    heat = _check_rule(rule)
    sweeps = check_int(sweeps, "sweeps", minimum=0)
    b = _check_state(spins, betas, keys, counters, plan.n)
    par = _lo.by_chain(spins.shape[0], plan.n)
    return _lo.potts_colored_sweeps(spins, b, keys, counters, plan.q, plan.indptr, plan.indices,
                                    plan.data, plan.fields, plan.pair, plan.color_ptr,
                                    plan.color_sites, heat, sweeps, par)


def _cluster_args(plan, name: str):
    if isinstance(plan, IsingPlan):
        ising, q = True, 2
    elif isinstance(plan, PottsPlan):
        if plan.kind != "potts":
            raise InputError(f"{name} supports Ising and Potts models, not the {plan.kind} model; "
                             "use potts_sweeps")
        ising, q = False, plan.q
    else:
        raise SpinscopeTypeError(f"{name} needs an IsingPlan or PottsPlan, got {type(plan).__name__}")
    if not plan.ferromagnetic:
        raise InputError(f"{name} needs ferromagnetic couplings (all J_ij >= 0); the model has "
                         "negative couplings: use local updates (metropolis/heatbath)")
    if not plan.zero_field:
        raise InputError(f"{name} needs zero fields; use local updates (metropolis/heatbath)")
    return ising, q


def wolff_updates(plan: IsingPlan | PottsPlan, spins: np.ndarray, betas: np.ndarray,
                  keys: np.ndarray, counters: np.ndarray, *, clusters: int = 1) -> np.ndarray:
    """Grow and flip ``clusters`` Wolff clusters in every chain (in place).

    Bonds join equal neighbours with ``p = 1 - exp(-2 beta J)`` (Ising) or
    ``1 - exp(-beta J)`` (Potts). Returns the mean cluster size per chain, float64 ``(R,)``.
    Raises InputError for antiferromagnetic couplings, non-zero fields or clock models.
    """
    ising, q = _cluster_args(plan, "wolff_updates")
    clusters = check_int(clusters, "clusters", minimum=1)
    b = _check_state(spins, betas, keys, counters, plan.n)
    return _cl.wolff_kernel(spins, b, keys, counters, plan.indptr, plan.indices, plan.data,
                            ising, q, clusters)


def swendsen_wang_sweeps(plan: IsingPlan | PottsPlan, spins: np.ndarray, betas: np.ndarray,
                         keys: np.ndarray, counters: np.ndarray, *, sweeps: int = 1) -> np.ndarray:
    """``sweeps`` Swendsen–Wang updates of every chain (in place).

    Returns the mean number of clusters per sweep, float64 ``(R,)``. Same restrictions as
    :func:`wolff_updates`.
    """
    ising, q = _cluster_args(plan, "swendsen_wang_sweeps")
    sweeps = check_int(sweeps, "sweeps", minimum=1)
    b = _check_state(spins, betas, keys, counters, plan.n)
    return _cl.swendsen_wang_kernel(spins, b, keys, counters, plan.indptr, plan.indices,
                                    plan.data, ising, q, sweeps)


def pack_spins(spins: np.ndarray) -> np.ndarray:
    """Pack ``int8[64 W, n]`` ±1 spins into ``uint64[W, n]`` (bit k of word w: replica 64 w + k is +1)."""
    s = np.asarray(spins)
    if s.ndim != 2 or s.shape[0] == 0 or s.shape[0] % 64:
        raise InputError(f"pack_spins needs shape (64*W, n) with W >= 1, got {s.shape}")
    return _ms.pack_bits(s)


def unpack_spins(words: np.ndarray) -> np.ndarray:
    """Unpack ``uint64[W, n]`` words into ``int8[64 W, n]`` ±1 spins."""
    w = np.asarray(words)
    if w.ndim != 2 or w.dtype != np.uint64:
        raise InputError(f"unpack_spins needs a uint64 array (W, n), got {w.dtype} {w.shape}")
    return _ms.unpack_bits(w)


def multispin_sweeps(plan: MultispinPlan, words: np.ndarray, betas_per_word: np.ndarray,
                     keys: np.ndarray, counters: np.ndarray, *, sweeps: int = 1) -> np.ndarray:
    """Checkerboard Metropolis sweeps of 64 bit-packed replicas per word (in place).

    Parameters
    ----------
    plan : MultispinPlan
    words : uint64 array, shape (W, n)
    betas_per_word : float64 array, shape (W,)
        One inverse temperature per word (shared by its 64 replicas).
    keys, counters : uint64 arrays, shape (W,)

    Returns
    -------
    accepted : int64 array, shape (W,)
        Accepted flips per word, summed over its 64 replicas and all sweeps.
    """
    if not isinstance(plan, MultispinPlan):
        raise SpinscopeTypeError(f"multispin_sweeps needs a MultispinPlan, got {type(plan).__name__}")
    sweeps = check_int(sweeps, "sweeps", minimum=0)
    b = _check_state(words, betas_per_word, keys, counters, plan.n, "words", np.uint64)
    masks = _ms.threshold_masks(plan, b)
    ferro = not bool(plan.anti.any())
    par = words.shape[0] >= _lo.numba.get_num_threads() or plan.n < 4096
    return _ms.multispin_kernel(words, masks, keys, counters, plan.rows, plan.row_len,
                                plan.row_nbr, plan.row_par, plan.anti, ferro, sweeps, par)


def _multispin_counts_dict(plan: MultispinPlan, out: np.ndarray, four: np.ndarray, pairs: bool,
                           structure: bool) -> dict:
    M, W = out.shape[:2]
    d = len(plan.shape)
    res = {"up": out[:, :, 0].reshape(M, 64 * W), "unsat": out[:, :, 1].reshape(M, 64 * W)}
    if pairs:
        p1, p2 = out[:, :, 2], out[:, :, 3]
        if d == 2:
            site, link = p2[..., 0::2] + p2[..., 1::2], p1[..., 0::2] + p1[..., 1::2]
        else:
            site, link = p2[..., 1::2], p1[..., 0::2] + p1[..., 1::2] + p2[..., 0::2]
        res["site_diff"], res["link_diff"] = site.reshape(M, 32 * W), link.reshape(M, 32 * W)
    if structure:
        res["fourier"] = four.reshape(M, 64 * W, 6)
    return res


def _measure_args(plan: MultispinPlan, structure: bool) -> tuple:
    if structure:
        return fourier_tables(tuple(plan.shape))
    z = np.zeros((1, 2))
    return np.zeros((2, 1)), np.zeros((2, 1)), z, z


def multispin_sweeps_measured(plan: MultispinPlan, words: np.ndarray, betas_per_word: np.ndarray,
                              keys: np.ndarray, counters: np.ndarray, *, sweeps: int, every: int,
                              pairs: bool = False, structure: bool = False) -> tuple[np.ndarray, dict]:
    """:func:`multispin_sweeps` measuring after every ``every``-th sweep inside the compiled loop.

    The spins, counters and accepted flips are exactly those of :func:`multispin_sweeps`. After
    sweeps ``every, 2 every, ...`` the kernel counts, for every replica, bit-sliced (exact):

    Returns
    -------
    accepted : int64 array, shape (W,)
    counts : dict of arrays, ``M = sweeps // every`` rows
        ``"up"`` (M, 64 W): spins ``+1``; ``"unsat"`` (M, 64 W): unsatisfied bonds
        (:func:`multispin_energies`); with ``pairs``, for the replica pairs ``(2p, 2p + 1)``:
        ``"site_diff"`` (M, 32 W) sites and ``"link_diff"`` (M, 32 W) bonds where the two
        differ (bond states ``s_i s_j``); with ``structure``, ``"fourier"`` (M, 64 W, 6): the
        sums of :func:`structure_factors` (axis 0, 1 and the last axis, real and imaginary).
    """
    if not isinstance(plan, MultispinPlan):
        raise SpinscopeTypeError(
            f"multispin_sweeps_measured needs a MultispinPlan, got {type(plan).__name__}")
    sweeps = check_int(sweeps, "sweeps", minimum=0)
    every = check_int(every, "every", minimum=1)
    b = _check_state(words, betas_per_word, keys, counters, plan.n, "words", np.uint64)
    masks = _ms.threshold_masks(plan, b)
    ferro = not bool(plan.anti.any())
    W = words.shape[0]
    par = W >= _lo.numba.get_num_threads() or plan.n < 4096
    sc, nch = _ms.measure_scratch(W if par else 1, plan.shape)
    M = sweeps // every
    out, four = np.zeros((M, W, 4, 64), np.int64), np.zeros((M, W, 64, 6))
    acc = _ms.multispin_measured_kernel(
        words, masks, keys, counters, plan.rows, plan.row_len, plan.row_nbr, plan.row_par,
        plan.anti, ferro, sweeps, every, par, bool(pairs), bool(structure),
        _measure_args(plan, structure), sc, nch, out, four)
    return acc, _multispin_counts_dict(plan, out, four, bool(pairs), bool(structure))


def multispin_counts(plan: MultispinPlan, words: np.ndarray, *, pairs: bool = False,
                     structure: bool = False) -> dict:
    """The counts of :func:`multispin_sweeps_measured` for the current ``words`` (1-D arrays)."""
    w = np.ascontiguousarray(words, dtype=np.uint64)
    W = w.shape[0]
    sc, nch = _ms.measure_scratch(W, plan.shape)
    out, four = np.zeros((1, W, 4, 64), np.int64), np.zeros((1, W, 64, 6))
    _ms.multispin_measure(w, plan.rows, plan.row_len, plan.row_nbr, plan.anti,
                          not bool(plan.anti.any()), bool(pairs), bool(structure),
                          _measure_args(plan, structure), sc, nch, out, four)
    return {key: v[0] for key, v in _multispin_counts_dict(plan, out, four, pairs, structure).items()}


def multispin_energies(plan: MultispinPlan, unsat: np.ndarray) -> np.ndarray:
    """Energies ``scale (2 u - n z / 2)`` from numbers ``u`` of unsatisfied bonds."""
    return plan.scale * (2.0 * unsat - plan.n * plan.z // 2)


def structure_factors_from_sums(fourier: np.ndarray, total: np.ndarray, n: int,
                                dims: int) -> tuple[np.ndarray, np.ndarray]:
    """``sf0, sfk`` of :func:`structure_factors` from its Fourier sums ``(..., 6)`` and the
    magnetisations ``total = sum_i s_i`` (integers)."""
    f = fourier
    rows_axes = [f[..., 0] + 1j * f[..., 1], f[..., 2] + 1j * f[..., 3]][: dims - 1]
    axes = [*rows_axes, f[..., 4] + 1j * f[..., 5]]
    sfk = np.mean([np.abs(a) ** 2 for a in axes], axis=0) / n
    m = np.asarray(total, dtype=np.int64).astype(np.float64)
    return m**2 / n, sfk


def energies(plan: IsingPlan | PottsPlan | MultispinPlan, spins: np.ndarray) -> np.ndarray:
    """Energy ``H`` of every chain, float64 ``(R,)`` (``(64 W,)`` for packed words)."""
    if isinstance(plan, IsingPlan):
        return _lo.ising_energies(plan, spins)
    if isinstance(plan, PottsPlan):
        return _lo.potts_energies(plan, spins)
    if isinstance(plan, MultispinPlan):
        return multispin_energies(plan, multispin_counts(plan, spins)["unsat"])
    raise SpinscopeTypeError(f"energies needs a kernel plan, got {type(plan).__name__}")


def magnetizations(plan: IsingPlan | PottsPlan | MultispinPlan, spins: np.ndarray) -> np.ndarray:
    """Magnetisation per spin of every chain.

    Ising and multispin: ``sum_i s_i / n`` (float64). Potts/clock: the complex order parameter
    ``mean_i exp(2 pi i s_i / q)`` (complex128); ``abs`` gives ``|m|``.
    """
    if isinstance(plan, IsingPlan):
        return _lo.ising_magnetizations(spins)
    if isinstance(plan, PottsPlan):
        return _lo.potts_magnetizations(plan, spins)
    if isinstance(plan, MultispinPlan):
        return (2 * multispin_counts(plan, spins)["up"] - plan.n) / plan.n
    raise SpinscopeTypeError(f"magnetizations needs a kernel plan, got {type(plan).__name__}")


def structure_factors(spins: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Structure factors of ±1 configurations ``(R, n)`` on a periodic lattice of ``shape``.

    Returns ``sf0 = (sum_i s_i)^2 / n`` and ``sfk = mean_a |F_a|^2 / n`` with
    ``F_a = sum_i s_i exp(2 pi i x_a / L_a)`` (the smallest non-zero wave vector along axis ``a``),
    from which the second-moment correlation length follows. One compiled pass over the spins
    for 1-3 D lattices with an even last side (the fused kernels' tables), numpy otherwise.
    """
    s = np.asarray(spins)
    n = s.shape[1]
    if 1 <= len(shape) <= 3 and shape[-1] % 2 == 0 and s.dtype == np.int8 and s.flags.c_contiguous:
        ct, sn, rre, rim = fourier_tables(tuple(shape))
        f = _la.fourier_sums(s, shape[-1], rre, rim, ct, sn, np.zeros(rre.shape[0], np.int64))
        return structure_factors_from_sums(f, s.sum(1, dtype=np.int64), n, len(shape))
    sf = s.astype(np.float64)
    coords = np.indices(shape).reshape(len(shape), -1)
    phases = np.exp(2j * np.pi * coords / np.asarray(shape)[:, None])
    return sf.sum(1) ** 2 / n, (np.abs(sf @ phases.T) ** 2).mean(1) / n
