"""Configurations for machine learning of phases: generation with the project's samplers, storage.

One data set holds ``samples`` configurations at each temperature of a grid for one (model, q,
L, seed), drawn by :class:`spinscope.mc.MonteCarlo`: Swendsen–Wang cluster sweeps (cheap
independent samples near criticality; by embedding for clock and XY). Every temperature runs
``chains`` independent chains at once; after ``burn_in`` sweeps the integrated autocorrelation
time ``tau`` of ``|m|`` and of the energy is measured (Sokal window,
:func:`spinscope.analysis.statistics.integrated_time`) and the chains (started ordered: high
temperatures relax fast from it, low ones need no coarsening) are recorded every
``thin = ceil(2 max tau)`` sweeps, so consecutive samples of a chain are (nearly) independent.

File format (``.npz``, compressed; version :data:`DATA_VERSION`):

``configurations``  (T, S, L, L): int8 (Ising ``±1``; Potts/clock states ``0..q-1``) or float32
                    (XY angles in radians)
``temperatures``    (T,) float64
``energy``          (T, S) float64, energy per spin of each configuration
``magnetization``   (T, S) float64, ``m`` (Ising, signed) or ``|m|`` (Potts/clock/XY)
``metadata``        0-d string: JSON record (``format``, ``version``, model, q, L, seed, samples,
                    chains, algorithm, burn-in, thin, tau per temperature, spinscope version)

A complete file whose metadata match the request is reused instead of being generated again
(resumable, and shared between trainings); a damaged file raises :class:`DataFileError`.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spinscope._files import atomic_write
from spinscope._validation import check_int, check_memory
from spinscope._version import __version__
from spinscope.errors import DataFileError, InputError

__all__ = ["DATA_FORMAT", "DATA_VERSION", "MODELS", "PhaseData", "build_model", "critical_temperatures",
           "data_file_name", "generate_data", "load_data", "save_data"]

DATA_FORMAT = "spinscope-phases-data"
DATA_VERSION = 1
MODELS = ("ising", "potts", "clock", "xy")
MIN_L = 4  # the correlation configuration needs L even and >= 4 (site half a lattice away)
ONSAGER = 2.0 / math.log(1.0 + math.sqrt(2.0))
XY_BKT = 0.8929  # Hasenbusch, J. Phys. A 38, 5869 (2005): T_BKT = 0.8929(1)
CLOCK6_BKT = (0.701, 0.901)  # Tomita & Okabe, PRB 65, 184405 (2002)


def critical_temperatures(model: str, q: int | None = None) -> tuple[float, ...]:
    """Known transition temperatures (``J = 1``, ``k_B = 1``) of the square-lattice model.

    Ising ``2 / ln(1 + sqrt 2)``; Potts ``1 / ln(1 + sqrt q)`` (``H = -sum delta``); clock q = 2
    (Ising with the same J) and q = 4 (two Ising copies with ``J/2``); 6-state clock the two BKT
    temperatures of Tomita & Okabe; XY ``T_BKT = 0.8929``. Returns ``()`` when none is known.
    """
    if model == "ising":
        return (ONSAGER,)
    if model == "potts":
        return (1.0 / math.log(1.0 + math.sqrt(q)),)
    if model == "clock":
        return {2: (ONSAGER,), 4: (ONSAGER / 2,), 6: CLOCK6_BKT}.get(q, ())
    if model == "xy":
        return (XY_BKT,)
    return ()


def check_model(model: str, q: int | None, L: int) -> tuple[str, int | None, int]:
    """Validate a model name, its ``q`` and the linear size ``L``; return them normalised."""
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; choose one of {', '.join(MODELS)} (--model)")
    if model in ("potts", "clock"):
        q = check_int(3 if model == "potts" and q is None else 6 if q is None else q, "q")
        if q < 2:
            raise InputError(f"--q {q}: a {model} model needs q >= 2 states per spin")
    elif q is not None:
        raise InputError(f"--q applies to the potts and clock models only, not to {model}")
    L = check_int(L, "L")
    if L < MIN_L or L % 2:
        raise InputError(f"--L {L}: the correlation configuration pairs each site with the site half "
                         f"a lattice away (L/2), so L must be even and >= {MIN_L}")
    return model, q, L


def build_model(model: str, q: int | None, L: int):
    """The ferromagnetic ``J = 1`` model on the periodic ``L x L`` square lattice."""
    from spinscope import models

    g = models.hypercubic((L, L))
    if model == "ising":
        return models.IsingModel.from_graph(g, 1.0)
    if model == "potts":
        return models.PottsModel.from_graph(g, q, 1.0)
    if model == "clock":
        return models.ClockModel.from_graph(g, q, 1.0)
    return models.XYModel.from_graph(g, 1.0)


def algorithm_for(model: str) -> str:
    """The update rule used for ``model``: Swendsen–Wang cluster sweeps (embedding for clock/XY)."""
    return "swendsen-wang"


@dataclass
class PhaseData:
    """Configurations of one (model, q, L, seed) on a temperature grid (see the module docstring)."""

    configurations: np.ndarray
    temperatures: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    metadata: dict

    @property
    def L(self) -> int:
        return int(self.configurations.shape[-1])


def data_file_name(model: str, q: int | None, L: int, temperatures, samples: int, seed: int) -> str:
    """File name of a data set: model, q, L, samples, seed and a digest of the temperature grid."""
    import hashlib

    grid = hashlib.sha1(np.asarray(temperatures, dtype=np.float64).tobytes()).hexdigest()[:10]
    tag = f"{model}{q}" if q is not None else model
    return f"{tag}-L{L}-S{samples}-seed{seed}-T{grid}.npz"


def _thin(series_m: np.ndarray, series_e: np.ndarray) -> tuple[int, np.ndarray]:
    """``thin = ceil(2 max tau)`` over temperatures; ``tau`` per temperature (max of |m|, E)."""
    from spinscope.analysis.statistics import integrated_time

    taus = np.array([max(integrated_time(m).tau, integrated_time(e).tau) for m, e in zip(series_m, series_e)])
    return math.ceil(2.0 * taus.max()), taus


def generate_data(model: str, L: int, temperatures, *, q: int | None = None, samples: int = 500,
                  chains: int = 10, burn_in: int = 200, seed: int = 0, max_thin: int = 200,
                  progress: Callable[[int, int], None] | None = None) -> PhaseData:
    """Draw ``samples`` configurations per temperature (see the module docstring).

    Parameters
    ----------
    model : {"ising", "potts", "clock", "xy"}
    L : int
        Linear size (even, >= 4) of the periodic square lattice.
    temperatures : sequence of float
        ``T`` (``k_B = J = 1``).
    q : int, optional
        States of Potts (default 3) and clock (default 6).
    samples : int
        Configurations per temperature (a multiple of ``chains`` is used: ``ceil(samples / chains)``
        records per chain, the first ``samples`` kept).
    chains : int
        Independent chains per temperature.
    burn_in : int
        Sweeps before the autocorrelation time is measured (the measuring sweeps are discarded too).
    seed : int
        The data set's seed (chains, initial states).
    max_thin : int
        Upper bound of the thinning interval (sweeps).
    progress : callable, optional
        ``progress(done, total)`` in sweeps.
    """
    from spinscope.mc import MonteCarlo

    model, q, L = check_model(model, q, L)
    T = np.asarray(temperatures, dtype=np.float64)
    samples = check_int(samples, "samples", minimum=2)
    chains = min(check_int(chains, "chains", minimum=1), samples)
    per = -(-samples // chains)
    itemsize = 4 if model == "xy" else 1
    check_memory(T.size * chains * per * L * L * (itemsize + 8), "phase data configurations")
    m = build_model(model, q, L)
    mc = MonteCarlo(algorithm=algorithm_for(model))
    state = mc.init(m, betas=1.0 / T, replicas=chains, seed=np.random.SeedSequence([seed, L]),
                    start="ordered")
    probe = max(4 * burn_in, 200)
    total = burn_in + probe
    state, _ = mc.run(state, sweeps=burn_in)
    state, st = mc.run(state, sweeps=probe, measure_every=1)
    shape = (probe, T.size, chains)
    thin, taus = _thin(np.moveaxis(st.magnetization.reshape(shape), 0, -1) if model != "ising"
                       else np.moveaxis(np.abs(st.magnetization).reshape(shape), 0, -1),
                       np.moveaxis(st.energy.reshape(shape), 0, -1))
    thin = min(thin, max_thin)
    total += thin * per
    if progress is not None:
        progress(burn_in + probe, total)
    state, st = mc.run(state, sweeps=thin * per, measure_every=thin,
                       measure=lambda s: {"spins": s.astype(np.float32 if model == "xy" else np.int8)},
                       callback=None if progress is None else lambda d: progress(burn_in + probe + d, total))
    conf = st.extra["spins"].reshape(per, T.size, chains, L, L)
    conf = np.moveaxis(conf, 0, 2).reshape(T.size, per * chains, L, L)[:, :samples]

    def _arrange(a):
        return np.moveaxis(a.reshape(per, T.size, chains), 0, 2).reshape(T.size, -1)[:, :samples]

    meta = {"format": DATA_FORMAT, "version": DATA_VERSION, "model": model, "q": q, "L": L, "seed": seed,
            "samples": samples, "chains": chains, "algorithm": mc.algorithm, "burn_in": burn_in,
            "probe_sweeps": probe, "thin": thin, "tau": taus.tolist(), "spinscope_version": __version__}
    return PhaseData(np.ascontiguousarray(conf), T, _arrange(st.energy), _arrange(st.magnetization), meta)


def save_data(path: str | Path, data: PhaseData) -> Path:
    """Write ``data`` as a compressed ``.npz`` (atomic; an existing file is replaced)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, configurations=data.configurations, temperatures=data.temperatures,
                        energy=data.energy, magnetization=data.magnetization,
                        metadata=np.array(json.dumps(data.metadata)))
    return atomic_write(path, buf.getvalue(), overwrite=True)


def load_data(path: str | Path, *, expect: dict | None = None) -> PhaseData:
    """Read a data file written by :func:`save_data`; check it against ``expect`` (metadata keys).

    Raises
    ------
    DataFileError
        The file is damaged, is not a phases data file, or does not hold what ``expect`` says.
    """
    path = Path(path)
    fix = f"delete {path} to generate it again"
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("configurations", "temperatures", "energy", "magnetization", "metadata")}
        meta = json.loads(str(arrays.pop("metadata")))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise DataFileError(f"phases data file {path} is damaged or incomplete "
                            f"({type(exc).__name__}: {str(exc)[:80]}); {fix}") from None
    if not isinstance(meta, dict) or meta.get("format") != DATA_FORMAT or meta.get("version") != DATA_VERSION:
        raise DataFileError(f"{path} is not a spinscope phases data file (format {DATA_FORMAT} "
                            f"version {DATA_VERSION}); {fix}")
    c, t = arrays["configurations"], arrays["temperatures"]
    L, S = meta.get("L"), meta.get("samples")
    if c.shape != (t.size, S, L, L) or arrays["energy"].shape != (t.size, S):
        raise DataFileError(f"{path} is inconsistent: configurations of shape {c.shape} but the record "
                            f"says {t.size} temperatures x {S} samples of {L}x{L}; {fix}")
    for key, want in (expect or {}).items():
        got = t.tolist() if key == "temperatures" else meta.get(key)
        if (not np.allclose(got, want, rtol=0, atol=1e-12)) if key == "temperatures" else got != want:
            raise DataFileError(f"{path} holds {key} = {got!r}, not {want!r} as asked; {fix}, or use "
                                "another data directory")
    return PhaseData(c, t, arrays["energy"], arrays["magnetization"], meta)
