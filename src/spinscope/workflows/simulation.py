"""``simulate``: a complete Monte Carlo study (thermalise, measure, estimate with error bars),
optionally in a run directory that survives Ctrl-C / ``kill`` and resumes bit for bit.

The run is a deterministic function of its configuration and ``seed``: the chain RNG is
counter based, tempering swaps are keyed by the sweep number, and measurements happen at fixed
sweep numbers (every ``measure_every`` sweeps after ``therm``), so a run interrupted at any
point and resumed from its checkpoint produces exactly the same result as an uninterrupted run.

Output (one row per temperature and replica; pooled summary per temperature): energy per spin,
``|m|``, ``m^2``, ``m^4``, specific heat, susceptibility and Binder cumulant with errors from
autocorrelation-aware binning/jackknife (:mod:`spinscope.analysis`), integrated autocorrelation
times, a thermalisation check (first vs second half of the measurements); for Ising models on
periodic hypercubic lattices the second-moment correlation length; with ``replicas >= 2`` the
replica overlap ``q`` of replica pairs ``(0,1), (2,3), ...``, its distribution ``P(q)``, the
spin-glass susceptibility ``n <q^2>`` and the link overlap.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_int, check_temperatures, resolve_seed
from spinscope.analysis.observables import overlap_distribution, thermo_estimates
from spinscope.analysis.statistics import estimate_mean, jackknife, thermalization_check
from spinscope.errors import InputError, ResumeError
from spinscope.io import RunDirectory
from spinscope.mc.overlaps import PairOverlaps
from spinscope.mc.sampler import ChainState, MonteCarlo
from spinscope.mc.tempering import ParallelTempering
from spinscope.models.registry import model_kind

__all__ = ["SIMULATE_OPTIONS", "SimulationResult", "model_fingerprint", "simulate", "simulate_spec"]

CHECKPOINT = "checkpoint.safetensors"
_CHECKPOINT_SECONDS = 60.0
_Q_BINS = 41


def model_fingerprint(model) -> dict:
    """Kind, size and a SHA-256 of the couplings and fields: identifies a model in run configs."""
    import scipy.sparse as sp

    h = hashlib.sha256()
    c = model.couplings
    if sp.issparse(c):
        c = sp.csr_array(c)
        c.sort_indices()
        for a in (c.indptr, c.indices, c.data):
            h.update(np.ascontiguousarray(a).tobytes())
    else:
        h.update(np.ascontiguousarray(c, dtype=np.float64).tobytes())
    if model.fields is not None:
        h.update(np.ascontiguousarray(model.fields, dtype=np.float64).tobytes())
    kind = model_kind(model, what="model_fingerprint")
    out = {"kind": kind, "name": model.name, "n": model.n, "sha256": h.hexdigest()}
    if model.state_space.name == "discrete":
        out["q"] = model.q
    return out


class _Measure(PairOverlaps):
    """Replica overlaps at each measurement point (:class:`~spinscope.mc.overlaps.PairOverlaps`:
    numpy on the CPU, or counted inside a fused kernel); ``structure`` says whether the sampler
    should also measure the structure factors (Ising on a periodic lattice)."""

    def __init__(self, model, n_temps: int, replicas: int):
        super().__init__(model, n_temps, replicas)
        self.structure = model.kind == "ising" and model.lattice_shape is not None

    @property
    def active(self) -> bool:
        return bool(self.pairs)


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate`.

    Attributes
    ----------
    config : dict
        Everything that determined the run (model fingerprint, temperatures, algorithm, seed...).
    rows : list of dict
        One row per temperature and replica (see :meth:`to_pandas` for the columns).
    summary_rows : list of dict
        One row per temperature, replicas pooled, plus overlaps, correlation length, swaps.
    overlap_q : ndarray (bins,) or None
        Bin centres of ``P(q)``.
    overlap_density : ndarray (T, bins) or None
        ``P(q)`` at each temperature (density on ``[-1, 1]``).
    final_spins : ndarray int8 (R, n)
        Final configurations, chain ``r = t * replicas + k``.
    series : dict of ndarray
        Raw measurement series: ``energy`` and ``magnetization`` of shape ``(M, R)``, and the
        extras (``q``, ``q_link`` ``(M, T, P)``, ``sf0``, ``sfk`` ``(M, R)``).
    run_dir : str or None
    """

    config: dict
    rows: list
    summary_rows: list
    overlap_q: np.ndarray | None
    overlap_density: np.ndarray | None
    final_spins: np.ndarray = field(repr=False)
    series: dict = field(repr=False)
    run_dir: str | None = None

    def to_pandas(self):
        """Tidy table, one row per temperature/replica: columns ``model, n, L, T, beta, replica,
        energy, energy_err, abs_m, abs_m_err, m2, m2_err, m4, m4_err, specific_heat(_err),
        susceptibility(_err), binder(_err), tau_energy, tau_abs_m, thermalized, changes_per_spin``
        (spin changes per spin and sweep, thermalisation included; for Swendsen–Wang the
        clusters built per spin and sweep). Errors are one standard error."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def summary(self):
        """Per-temperature table (replicas pooled) with overlap, ``xi`` and swap columns."""
        import pandas as pd

        return pd.DataFrame(self.summary_rows)

    def to_dict(self) -> dict:
        """JSON-ready dict (no raw series or configurations)."""
        d = {"config": self.config, "rows": self.rows, "summary": self.summary_rows,
             "run_dir": self.run_dir}
        if self.overlap_q is not None:
            d["overlap_distribution"] = {"q": self.overlap_q.tolist(),
                                         "density": self.overlap_density.tolist()}
        return d


def _estimates_row(e, m, beta, n) -> dict:
    est = thermo_estimates(e, m, beta=beta, n=n)
    row = {}
    for k in ("energy", "abs_m", "m2", "m4", "specific_heat", "susceptibility", "binder"):
        row[k], row[f"{k}_err"] = est[k].value, est[k].error
    row["tau_energy"] = est["energy"].tau_int
    row["tau_abs_m"] = est["abs_m"].tau_int
    row["thermalized"] = thermalization_check(e).passed if np.shape(e)[-1] >= 8 else None
    return row


def _analyse(config: dict, model, series: dict, final_spins: np.ndarray, changes: np.ndarray,
             swaps: tuple[np.ndarray, np.ndarray] | None, run_dir) -> SimulationResult:
    temps = np.asarray(config["temperatures"], dtype=float)
    rep, n = config["replicas"], model.n
    T = temps.size
    e = series["energy"].T.reshape(T, rep, -1)          # (T, rep, M)
    m = series["magnetization"].T.reshape(T, rep, -1)
    M = e.shape[-1]
    shape = model.lattice_shape
    base = {"model": config["model"]["name"], "n": n, "L": shape[0] if shape else None}
    nsweeps = max(config["sweeps"] + config["therm"], 1)
    rows, summary = [], []
    if M < 4:
        raise InputError(f"only {M} measurements were taken; use more sweeps or a smaller "
                         "measure_every (at least 4 measurements per chain)")
    for t in range(T):
        beta = 1.0 / temps[t]
        for k in range(rep):
            row = {**base, "T": temps[t], "beta": beta, "replica": k}
            row.update(_estimates_row(e[t, k], m[t, k], beta, n))
            row["changes_per_spin"] = float(changes[t * rep + k] / (n * nsweeps))
            rows.append(row)
        srow = {**base, "T": temps[t], "beta": beta, "replicas": rep}
        srow.update(_estimates_row(e[t], m[t], beta, n))
        if "sf0" in series:
            a = series["sf0"].T.reshape(T, rep, -1)[t]
            b = series["sfk"].T.reshape(T, rep, -1)[t]
            kmin = float(np.mean([2 * np.pi / L for L in shape]))

            def xi(a_, b_, kmin=kmin):
                # b_ ~ 0 (an ordered lattice: only k = 0 is occupied) has no finite length
                return np.sqrt(a_ / b_ - 1.0) / (2 * np.sin(kmin / 2)) if a_ > b_ > 1e-12 * a_ else np.nan

            est = jackknife(xi, a, b, n_blocks=min(20, M))
            srow["xi"], srow["xi_err"] = est.value, est.error
        if "q" in series:
            q = series["q"][:, t, :].T                     # (P, M)
            q2 = estimate_mean(q**2)
            srow["q2"], srow["q2_err"] = q2.value, q2.error
            srow["chi_sg"], srow["chi_sg_err"] = n * q2.value, n * q2.error
            ql = estimate_mean(series["q_link"][:, t, :].T)
            srow["q_link"], srow["q_link_err"] = ql.value, ql.error
        if swaps is not None and t < T - 1:
            acc, att = swaps
            srow["swap_acceptance_to_next"] = float(acc[t] / att[t]) if att[t] else None
        summary.append(srow)
    oq = od = None
    if "q" in series:
        dens = []
        for t in range(T):
            oq, d = overlap_distribution(series["q"][:, t, :], bins=_Q_BINS)
            dens.append(d)
        od = np.array(dens)
    return SimulationResult(config, rows, summary, oq, od, final_spins, series,
                            None if run_dir is None else str(run_dir.path))


@dataclass
class _Progress:
    """Everything a run accumulates besides the chain state (saved in every checkpoint)."""

    series: dict
    changes: np.ndarray
    swaps: np.ndarray

    @classmethod
    def empty(cls, n_temps: int, replicas: int) -> _Progress:
        return cls({}, np.zeros(n_temps * replicas), np.zeros((2, max(n_temps - 1, 0)), dtype=np.int64))

    def arrays(self, state: ChainState) -> dict[str, np.ndarray]:
        arrs = {f"state.{k}": v for k, v in state.arrays().items()}
        for k, v in self.series.items():
            arrs[f"series.{k}"] = np.array(v)
        arrs["changes"], arrs["swaps"] = self.changes, self.swaps
        return arrs

    @classmethod
    def from_arrays(cls, arrays: dict) -> tuple[_Progress, dict]:
        state = {k[6:]: v for k, v in arrays.items() if k.startswith("state.")}
        series = {k[7:]: list(v) for k, v in arrays.items() if k.startswith("series.")}
        return cls(series, arrays["changes"].astype(float), arrays["swaps"].astype(np.int64)), state

    def add(self, run, tempering_stats, measured: bool) -> None:
        if tempering_stats is not None:
            self.swaps = self.swaps + np.stack([tempering_stats.accepted, tempering_stats.attempted])
        self.changes = self.changes + run.changes
        if measured:
            self.series.setdefault("energy", []).extend(run.energy)
            self.series.setdefault("magnetization", []).extend(run.magnetization)
            for k, v in run.extra.items():
                self.series.setdefault(k, []).extend(v)


def _config(model, temps, *, algorithm, backend, device, sweeps, therm, replicas, measure_every,
            tempering, swap_every, clusters_per_sweep, start, metadata) -> dict:
    """Validate the settings and return the run configuration (without the seed).

    Refuses (``MemoryLimitError``), before any chain is allocated, a run whose chains or
    measurement series would not fit in memory: the chains take ``spin bytes + 16`` bytes per
    spin (the configurations, the kernels' float64 fields and the measurement's float64 copy),
    the series ``measurements x chains`` values (energy, magnetisation; structure factors on
    Ising lattices; overlaps with replicas), 8 bytes each, three times over (the running lists,
    the checkpoint's arrays and their serialisation).
    """
    from spinscope._validation import check_memory

    sweeps = check_int(sweeps, "sweeps", minimum=1)
    measure_every = check_int(measure_every, "measure_every", minimum=1)
    if sweeps // measure_every < 4:
        raise InputError(f"sweeps={sweeps} with measure_every={measure_every} gives fewer than 4 "
                         "measurements; increase sweeps or lower measure_every")
    if tempering and temps.size < 2:
        raise InputError("tempering needs at least two temperatures")
    replicas = check_int(replicas, "replicas", minimum=1)
    chains, measurements = temps.size * replicas, sweeps // measure_every
    ising = model.kind == "ising"
    series = 2 + 2 * (ising and model.lattice_shape is not None) + (ising and replicas >= 2)
    check_memory(None, f"simulate: {chains} chains ({temps.size} temperature(s) x {replicas} "
                       f"replica(s)) of {model.n} spins with {measurements} measurements each",
                 estimate={"chains": chains * model.n * (model.state_space.dtype.itemsize + 16),
                           "measurement series": 3 * 8 * measurements * chains * series},
                 advice="use fewer temperatures or replicas, a smaller model, fewer sweeps or "
                        "a larger measure_every")
    return {"model": model_fingerprint(model), "temperatures": temps.tolist(),
            "algorithm": algorithm, "backend": backend, "device": device, "sweeps": sweeps,
            "therm": sweeps // 5 if therm is None else check_int(therm, "therm", minimum=0),
            "replicas": replicas, "measure_every": measure_every,
            "tempering": bool(tempering), "swap_every": swap_every if tempering else None,
            "clusters_per_sweep": clusters_per_sweep if algorithm == "wolff" else None,
            "start": start, "meta": metadata}


def _samplers(config: dict, out, resume) -> tuple[MonteCarlo, Any]:
    """The configured sampler, and the runner (the sampler or parallel tempering around it)."""
    if out is not None and resume is not None:
        raise InputError("give either out (a new run) or resume (an existing run), not both")
    sampler = MonteCarlo(algorithm=config["algorithm"], backend=config["backend"],
                         device=config["device"], clusters_per_sweep=config["clusters_per_sweep"] or 1)
    runner = (ParallelTempering(sampler, swap_every=config["swap_every"]) if config["tempering"]
              else sampler)
    if out is not None or resume is not None:
        # checkpoints are written with safetensors/torch: import them now, so that a Ctrl-C
        # never lands inside a half-done import when the checkpoint is being saved
        import safetensors.torch  # noqa: F401
        import torch  # noqa: F401
    return sampler, runner


def _begin(runner, sampler, model, config: dict, seed, out, resume):
    """Start a new run (optionally in a new directory ``out``) or load the checkpoint in ``resume``.

    Returns ``(state, progress, run_directory_or_None)``.
    """
    temps = np.asarray(config["temperatures"])
    if resume is None:
        config["seed"] = resolve_seed(seed)
        state = runner.init(model, betas=1.0 / temps, replicas=config["replicas"],
                            seed=config["seed"], start=config["start"])
        # created after every check, so bad input never leaves a directory behind
        rd = None if out is None else RunDirectory.create(out, command="simulate", config=config)
        return state, _Progress.empty(temps.size, config["replicas"]), rd
    stored = RunDirectory.resume(resume, command="simulate", config=None).config
    config["seed"] = resolve_seed(stored.get("seed") if seed is None else seed)
    # "meta" (how a caller built the model) is not compared: the model's fingerprint is
    rd = RunDirectory.resume(resume, command="simulate", config=config, ignore=("meta",))
    if not rd.exists(CHECKPOINT):
        raise ResumeError(f"cannot resume {rd.path}: it has no {CHECKPOINT}; the run was stopped "
                          "before its first checkpoint: start it again with --out")
    arrays, _meta = rd.load_arrays(CHECKPOINT)
    progress, state_arrays = _Progress.from_arrays(arrays)
    return sampler.restore(model, state_arrays), progress, rd


def _saver(rd, prog: _Progress, total: int) -> Callable[[ChainState], None]:
    """``save(state)``: write the checkpoint of ``state`` and ``prog`` (nothing without a run directory)."""
    def save(st: ChainState) -> None:
        if rd is not None:
            rd.save_arrays(CHECKPOINT, prog.arrays(st), metadata={"sweeps_done": st.sweeps, "total": total})

    return save


def _advance(runner, state, progress: _Progress, meas, config: dict, save, bar) -> ChainState:
    """Run the chains to the end (thermalisation, then measurement), checkpointing as it goes;
    on Ctrl-C / SIGTERM save the last complete state and re-raise ``KeyboardInterrupt``."""
    therm, total = config["therm"], config["therm"] + config["sweeps"]
    every = config["measure_every"]
    chunk = every * max(1, 256 // every)
    last_save = time.monotonic()
    try:
        while state.sweeps < total:
            if state.sweeps < therm:
                new, st = runner.run(state, sweeps=min(chunk, therm - state.sweeps))
            else:
                new, st = runner.run(state, sweeps=min(chunk, total - state.sweeps),
                                     measure_every=every, measure=meas if meas.active else None,
                                     structure_factor=meas.structure)
            tempering = config["tempering"]
            progress.add(st.run if tempering else st, st if tempering else None, new.sweeps > therm)
            state = new
            if time.monotonic() - last_save > _CHECKPOINT_SECONDS:
                save(state)
                last_save = time.monotonic()
            bar(state.sweeps)
        save(state)
    except KeyboardInterrupt:
        save(state)
        raise
    except SystemError as exc:  # Ctrl-C inside numba's lazy loading surfaces as SystemError
        if not _caused_by_interrupt(exc):
            raise
        save(state)
        raise KeyboardInterrupt from exc
    return state


def simulate(model, *, temperatures, algorithm: str = "metropolis", sweeps: int = 1000,
             therm: int | None = None, replicas: int = 1, measure_every: int = 1,
             seed: int | None = None, backend: str = "numba", device: str = "cpu",
             tempering: bool = False, swap_every: int = 1, clusters_per_sweep: int = 1,
             start: str = "random", out=None, resume=None, progress: bool | Callable[[int, int], None] = False,
             metadata: dict | None = None, figures: bool = True) -> SimulationResult:
    """Run a Monte Carlo simulation at several temperatures and estimate the observables.

    Parameters
    ----------
    model : a registered spin model (IsingModel, PottsModel, ClockModel, XYModel)
    temperatures : float or sequence of float
        Temperatures ``T > 0`` in units of ``J / k_B`` (``beta = 1/T``).
    algorithm : str
        An update rule of :data:`spinscope.mc.rules.RULES` that supports the model.
    sweeps : int
        Measurement sweeps per chain (after thermalisation).
    therm : int, optional
        Thermalisation sweeps (default ``sweeps // 5``).
    replicas : int
        Independent chains per temperature (>= 2 enables overlaps ``q``; multiple of 64 for
        ``multispin``).
    measure_every : int
        Sweeps between measurements.
    seed : int, optional
        The one seed of the run (drawn and recorded if ``None``).
    backend, device : {"numba", "torch"}, str
        The kernels, and the torch device of the torch backend (``"cpu"``, ``"cuda"``).
    tempering, swap_every : bool, int
        Replica exchange between neighbouring temperatures every ``swap_every`` sweeps.
    clusters_per_sweep : int (Wolff clusters per sweep)
    start : {"random", "ordered"}
        Hot or cold initial configurations; comparing the two
        (:func:`spinscope.analysis.compare_starts`) is a thermalisation check.
    out : path, optional
        New run directory to write (``config.json``, ``results.csv``, ``summary.csv``,
        ``result.json``, ``final.safetensors``, checkpoints, and with ``figures`` the PNG
        figures). Refused if it exists and is not empty.
    resume : path, optional
        Continue the run in this directory (same configuration required); mutually exclusive
        with ``out``.
    progress : bool or callable
        ``True`` shows a progress bar on stderr; a callable gets ``(sweeps_done, total)`` after
        every block of sweeps (it may raise ``KeyboardInterrupt`` to stop the run as Ctrl-C does).
    metadata : dict, optional
        JSON-ready notes stored in the run (e.g. how the CLI built the model); not compared on
        resume (the model's fingerprint is).
    figures : bool
        Write the PNG figures into ``out`` (a sweep's many small runs leave them out).

    Returns
    -------
    SimulationResult

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C (or SIGTERM inside the CLI); with a run directory a checkpoint is saved first
        and ``simulate(..., resume=dir)`` continues exactly.
    """
    model_kind(model, what="simulate")
    temps = check_temperatures(temperatures, "temperatures")
    config = _config(model, temps, algorithm=algorithm, backend=backend, device=device,
                     sweeps=sweeps, therm=therm, replicas=replicas, measure_every=measure_every,
                     tempering=tempering, swap_every=swap_every,
                     clusters_per_sweep=clusters_per_sweep, start=start, metadata=metadata)
    sampler, runner = _samplers(config, out, resume)
    state, prog, rd = _begin(runner, sampler, model, config, seed, out, resume)
    total = config["therm"] + config["sweeps"]
    save = _saver(rd, prog, total)
    if resume is None:
        save(state)  # a run stopped at any moment can be resumed
    bar = _progress(progress, total)
    try:
        state = _advance(runner, state, prog, _Measure(model, temps.size, config["replicas"]),
                         config, save, bar)
    finally:
        bar(None)
    return _finish(config, model, state, prog, rd, figures)


def _finish(config: dict, model, state: ChainState, prog: _Progress, rd, figures: bool = True) -> SimulationResult:
    """Estimate the observables and write the outputs of a finished run."""
    series = {k: np.array(v) for k, v in prog.series.items()}
    result = _analyse(config, model, series, state.spins_numpy(), prog.changes,
                      (prog.swaps[0], prog.swaps[1]) if config["tempering"] else None, rd)
    if rd is not None:
        _write_outputs(rd, result, state, figures)
    return result


def _caused_by_interrupt(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _write_outputs(rd, result: SimulationResult, state: ChainState, figures: bool = True) -> None:
    rd.write_table("results.csv", result.to_pandas())
    rd.write_table("summary.csv", result.summary())
    rd.write_json("result.json", result.to_dict())
    rd.save_arrays("final.safetensors", {"spins": result.final_spins, "betas": state.betas},
                   metadata={"layout": "chain r = t * replicas + k", "config": result.config})
    if not figures:  # sweeps: thousands of small runs, plotted from their table instead
        return
    try:
        from spinscope.report.mc_plots import plot_observables

        plot_observables(result.summary(), rd.file("observables.png"))
        if result.overlap_density is not None:
            from spinscope.report.mc_plots import plot_overlap_distribution

            plot_overlap_distribution(result, rd.file("overlap_distribution.png"))
    except ImportError:  # pragma: no cover - plotting is optional
        pass


def _progress(progress: Any, total: int) -> Callable[[int | None], None]:
    """A progress reporter: a rich bar on stderr, the user's callable, or nothing."""
    if callable(progress):
        return lambda done: None if done is None else progress(done, total)
    if not progress:
        return lambda done: None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    p = Progress("[progress.description]{task.description}", BarColumn(),
                 "{task.completed}/{task.total} sweeps", TimeRemainingColumn(),
                 console=Console(stderr=True), transient=True)
    task = p.add_task("simulate", total=total)
    p.start()

    def update(done):
        if done is None:
            p.stop()
        else:
            p.update(task, completed=done)

    return update


# options of ``simulate_spec`` stored in the run, so that a resume needs only the directory
SIMULATE_OPTIONS = ("lattice", "dim", "L", "n", "q", "T", "algorithm", "backend", "sweeps",
                    "therm", "replicas", "measure_every", "tempering", "clusters", "start")


def _resume_spec(resume, spec: str | None, options: dict, explicit: frozenset, seed):
    """Fill the options not given explicitly from the run in ``resume``; check the model name."""
    stored = RunDirectory.resume(resume, command="simulate").config
    cli = (stored.get("meta") or {}).get("cli")
    if cli is None:
        raise ResumeError(f"cannot resume {resume}: it was not started by 'spinscope simulate' "
                          "(resume it from Python with simulate(model, resume=...))")
    options = {k: (v if k in explicit else cli["options"].get(k, v)) for k, v in options.items()}
    if spec is None:
        spec = cli["model"]
    if cli["model"] != spec:
        raise ResumeError(f"cannot resume {resume}: it simulated {cli['model']!r}, not {spec!r}")
    return spec, options, stored["seed"] if seed is None else seed


def simulate_spec(spec: str | None, *, options: dict, explicit=frozenset(), seed: int | None = None,
                  device: str = "cpu", out=None, resume=None,
                  progress: bool | Callable[[int, int], None] = False,
                  figures: bool = True) -> SimulationResult:
    """``spinscope simulate``: build the model named ``spec`` and run :func:`simulate`.

    Parameters
    ----------
    spec : str or None
        A model name or file for :func:`~spinscope.workflows.model_from_spec`; ``None`` with
        ``resume`` takes it from the run.
    options : dict
        Values of :data:`SIMULATE_OPTIONS`: the model's ``lattice, dim, L, n, q``, the
        temperatures ``T`` (a list or a ``"start:stop:count"`` / comma string) and the settings
        of :func:`simulate` (``clusters`` is ``clusters_per_sweep``). They are stored in the run.
    explicit : set of str
        Options the user gave explicitly; with ``resume`` every other option is taken from the
        run (an explicit one must agree with it).
    seed : int, optional
        Seed of the disorder and of the chains (fresh entropy if ``None``; recorded).
    device, out, resume, progress, figures
        As in :func:`simulate`.
    """
    unknown = set(options) - set(SIMULATE_OPTIONS)
    if unknown:
        raise InputError(f"unknown simulate option(s) {sorted(unknown)}; valid: {SIMULATE_OPTIONS}")
    options = {k: options.get(k) for k in SIMULATE_OPTIONS}
    if resume is not None:
        if out is not None:
            raise InputError("give either --out (a new run) or --resume DIR, not both")
        spec, options, seed = _resume_spec(resume, spec, options, frozenset(explicit), seed)
    elif spec is None:
        raise InputError("MODEL is missing: give ising, potts, clock, xy, ea, sk or a model file "
                         "(.npz), or --resume DIR to continue a run")
    seed = resolve_seed(seed)
    temps = _temperature_list(options["T"])
    from spinscope.workflows.specs import model_from_spec

    model = model_from_spec(spec, lattice=options["lattice"], dim=options["dim"], L=options["L"],
                            n=options["n"], q=options["q"], seed=seed)
    if resume is None and out is None:
        out = RunDirectory.default_path("simulate")
    o = options
    return simulate(model, temperatures=temps, algorithm=o["algorithm"], backend=o["backend"],
                    device=device, sweeps=o["sweeps"], therm=o["therm"], replicas=o["replicas"],
                    measure_every=o["measure_every"], tempering=o["tempering"],
                    clusters_per_sweep=o["clusters"], start=o["start"], seed=seed, out=out,
                    resume=resume, metadata={"cli": {"model": spec, "options": options}},
                    progress=progress, figures=figures)


def _temperature_list(T) -> np.ndarray:
    """Temperatures from a list or a ``start:stop:count`` / comma string."""
    if isinstance(T, str):
        from spinscope._validation import parse_number_list

        return parse_number_list(T, "--T")
    return check_temperatures(T, "T")
