"""``MinimallyComplexModel``: fit, score, sample and save an MCM, scikit-learn style.

A fitted MCM is a basis (``n`` independent spin operators, masks over the original variables)
and a partition of the basis variables into components; each component is a complete model
whose state probabilities are the posterior means under Jeffreys' prior::

    p_c(x) = (k_x + 1/2) / (N + 2**(r_c - 1)),

``k_x`` the count of component state ``x`` in the training data (unobserved states get
``1/2`` pseudo-counts), so ``P(sigma) = prod_c p_c(sigma'_c)`` with ``sigma'`` the state in the
basis. Files are JSON (``format: spinscope-mcm``, version 1), never pickle.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, make_rng
from spinscope.errors import InputError, ModelFileError
from spinscope.mcm import _kernels as K
from spinscope.mcm._partition import masks_to_words, normalize_partition
from spinscope.mcm.basis import best_basis, check_basis, gf2_inverse, operator_string, transform
from spinscope.mcm.data import BinaryData, as_binary_data, as_bits, pack_bits, unpack_bits
from spinscope.mcm.search import MAX_EXACT_N, anneal_search, exact_search, greedy_search

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MinimallyComplexModel"]

FORMAT_NAME = "spinscope-mcm"
FORMAT_VERSION = 1
_SEARCHES = ("exact", "greedy", "anneal")


def _keys(bits: np.ndarray) -> np.ndarray:
    """Row keys of a ``(N, r)`` 0/1 array: uint64 for ``r <= 64``, else bytes objects."""
    r = bits.shape[1]
    if r <= 64:
        w = np.left_shift(np.uint64(1), np.arange(r, dtype=np.uint64))
        return (bits.astype(np.uint64) * w).sum(axis=1, dtype=np.uint64)
    packed = np.packbits(bits, axis=1)
    return np.array([row.tobytes() for row in packed], dtype=object)


def _index(keys: np.ndarray) -> Any:
    """Lookup structure for component keys: (sorted keys, positions) or a dict for bytes keys."""
    if keys.dtype == np.uint64:
        order = np.argsort(keys, kind="stable")
        return keys[order], order
    return {k: i for i, k in enumerate(keys.tolist())}


class MinimallyComplexModel:
    """The MCM of largest Bayesian evidence for binary data (de Mulatier, Mazza, Marsili).

    Parameters
    ----------
    basis : "original", "best" or sequence of int masks / (n, n) 0/1 array
        Basis in which components are sought: the original variables, the best basis
        (:func:`~spinscope.mcm.basis.best_basis`), or ``n`` given independent operators.
    search : {"exact", "greedy", "anneal"}
        Partition search (:mod:`spinscope.mcm.search`); ``"exact"`` is guaranteed optimal and
        needs ``n <= MAX_EXACT_N``.
    order : int or None
        For ``basis="best"``: restrict to operators of order ``<= order`` (iterated); ``None`` is
        the exhaustive search.
    anneal_steps : int
        Moves of the simulated annealing.
    seed : int, Generator or None
        Seed of the annealing (and default seed of :meth:`sample`).

    Attributes (after ``fit``)
    --------------------------
    basis_ : list of int
        Operators (bit masks over the original variables; ``basis_[a]`` defines basis variable ``a``).
    components_ : list of tuple of int
        Basis variables (0-based) of each component.
    log_evidence_ : float
        Log-evidence (nats) of the training data; ``component_log_evidence_`` per component.
    n_features_in_, n_samples_ : int
        ``n`` and ``N`` of the training data.
    """

    def __init__(self, *, basis: Any = "original", search: str = "exact", order: int | None = None,
                 anneal_steps: int = 20000, seed: SeedLike = None) -> None:
        self.basis = basis
        self.search = search
        self.order = order
        self.anneal_steps = anneal_steps
        self.seed = seed

    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters (scikit-learn protocol).

        Parameters
        ----------
        deep : bool
            Ignored (no nested estimators).

        Returns
        -------
        dict
        """
        return {"basis": self.basis, "search": self.search, "order": self.order,
                "anneal_steps": self.anneal_steps, "seed": self.seed}

    def set_params(self, **params: Any) -> MinimallyComplexModel:
        """Set constructor parameters (scikit-learn protocol); unknown names are an error.

        Parameters
        ----------
        **params
            Any of ``basis``, ``search``, ``order``, ``anneal_steps``, ``seed``.

        Returns
        -------
        MinimallyComplexModel
            ``self``.
        """
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise InputError(f"unknown parameter {key!r}; valid: {sorted(valid)}")
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> MinimallyComplexModel:
        """Select the basis and the partition of largest evidence; store component counts.

        Parameters
        ----------
        X : BinaryData, path, ndarray of shape (N, n), DataFrame or sequence of 0/1 strings
            Training data: :class:`~spinscope.mcm.data.BinaryData`, a data-file path, an ``(N, n)``
            array of 0/1 or ±1, or a pandas DataFrame.
        y : ignored

        Returns
        -------
        MinimallyComplexModel
            ``self``, fitted.
        """
        if self.search not in _SEARCHES:
            raise InputError(f"search must be one of {_SEARCHES}, got {self.search!r}")
        if self.order is not None and not (isinstance(self.basis, str) and self.basis == "best"):
            raise InputError("order restricts the best-basis search: use it with basis='best'")
        data = as_binary_data(X)
        n = data.n
        if self.search == "exact" and n > MAX_EXACT_N:
            raise InputError(f"exact search supports n <= {MAX_EXACT_N}, the data have n = {n}; "
                             f"use search='greedy' or search='anneal'")
        if isinstance(self.basis, str):
            if self.basis == "original":
                basis = [1 << i for i in range(n)]
            elif self.basis == "best":
                basis = best_basis(data, order=self.order).operators
            else:
                raise InputError(f"basis must be 'original', 'best' or a list of operators, got {self.basis!r}")
        else:
            basis = check_basis(self.basis, n)
        identity = basis == [1 << i for i in range(n)]
        data_b = data if identity else transform(data, basis)
        if self.search == "exact":
            res = exact_search(data_b)
        elif self.search == "greedy":
            res = greedy_search(data_b)
        else:
            res = anneal_search(data_b, steps=check_int(self.anneal_steps, "anneal_steps", minimum=0),
                                seed=self.seed)
        self.basis_ = basis
        self.components_ = res.components
        self.component_log_evidence_ = res.component_log_evidence
        self.log_evidence_ = res.log_evidence
        self.search_result_ = res
        self.n_features_in_ = n
        self.n_samples_ = data.N
        self._set_counts(data_b)
        return self

    def _set_counts(self, data_b: BinaryData) -> None:
        bits = unpack_bits(data_b.states, data_b.n)
        self._comp_states, self._comp_counts, self._comp_index = [], [], []
        for comp in self.components_:
            keys = _keys(bits[:, list(comp)])
            uniq, inv = np.unique(keys, return_inverse=True)
            cnt = np.bincount(inv.ravel(), weights=data_b.counts, minlength=len(uniq)).astype(np.int64)
            first = np.zeros(len(uniq), dtype=np.int64)
            first[inv.ravel()[::-1]] = np.arange(len(inv))[::-1]
            self._comp_states.append(bits[first][:, list(comp)])
            self._comp_counts.append(cnt)
            self._comp_index.append(_index(uniq))

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise InputError("this MinimallyComplexModel is not fitted yet; call fit(X) or load() first")

    # ------------------------------------------------------------------ use
    def _to_basis_bits(self, X: Any) -> np.ndarray:
        bits = as_bits(X)
        if bits.shape[1] != self.n_features_in_:
            raise InputError(f"data have n = {bits.shape[1]} variables, the model was fitted on "
                             f"{self.n_features_in_}")
        if self.basis_ == [1 << i for i in range(self.n_features_in_)]:
            return bits
        W = (self.n_features_in_ + 63) // 64
        new = K.parity_transform(pack_bits(bits), masks_to_words(self.basis_, W))
        return unpack_bits(new, self.n_features_in_)

    def log_proba(self, X: Any) -> np.ndarray:
        """Log-probability (nats) of each row of ``X`` under the fitted MCM.

        Parameters
        ----------
        X : BinaryData, path, ndarray of shape (N, n), DataFrame or sequence of 0/1 strings
            Observations in the original variables (see :func:`~spinscope.mcm.data.as_bits`).
            Rows of a file or :class:`BinaryData` come grouped by distinct state.

        Returns
        -------
        ndarray, shape (N,)
        """
        self._check_fitted()
        bits = self._to_basis_bits(X)
        N = self.n_samples_
        out = np.zeros(bits.shape[0])
        for comp, cnt, index in zip(self.components_, self._comp_counts, self._comp_index):
            keys = _keys(bits[:, list(comp)])
            if keys.dtype == np.uint64:
                skeys, order = index
                pos = np.minimum(np.searchsorted(skeys, keys), len(skeys) - 1)
                k = np.where(skeys[pos] == keys, cnt[order[pos]], 0).astype(float)
            else:
                k = np.array([cnt[index[q]] if q in index else 0 for q in keys.tolist()], dtype=float)
            out += np.log(k + 0.5) - math.log(N + 2.0 ** (len(comp) - 1))
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each row of ``X``.

        Parameters
        ----------
        X : BinaryData, path, ndarray of shape (N, n), DataFrame or sequence of 0/1 strings
            Observations in the original variables (see :func:`~spinscope.mcm.data.as_bits`).

        Returns
        -------
        ndarray, shape (N,)
        """
        return np.exp(self.log_proba(X))

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-probability per observation (nats); higher is better.

        Parameters
        ----------
        X : BinaryData, path, ndarray of shape (N, n), DataFrame or sequence of 0/1 strings
            Observations in the original variables (see :func:`~spinscope.mcm.data.as_bits`).
        y : ignored

        Returns
        -------
        float
        """
        return float(np.mean(self.log_proba(X)))

    def sample(self, n_samples: int, *, seed: SeedLike = None) -> np.ndarray:
        """Draw independent observations from the fitted MCM.

        Each component draws from ``p_c``: an observed state with probability
        ``k_x / (N + 2**(r-1))``, else a uniformly random state (the ``1/2`` pseudo-counts).

        Parameters
        ----------
        n_samples : int
            Number of observations.
        seed : int, Generator or None
            Seed of the draws (default: the model's ``seed``).

        Returns
        -------
        ndarray of uint8, shape (n_samples, n)
            0/1 values in the original variables.
        """
        self._check_fitted()
        n_samples = check_int(n_samples, "n_samples", minimum=0)
        rng = make_rng(self.seed if seed is None else seed)
        n, N = self.n_features_in_, self.n_samples_
        out = np.zeros((n_samples, n), dtype=np.uint8)
        for comp, states, cnt in zip(self.components_, self._comp_states, self._comp_counts):
            r = len(comp)
            p_obs = N / (N + 2.0 ** (r - 1))
            obs = rng.random(n_samples) < p_obs
            block = rng.integers(0, 2, size=(n_samples, r), dtype=np.uint8)
            pick = rng.choice(len(cnt), size=int(obs.sum()), p=cnt / cnt.sum())
            block[obs] = states[pick]
            out[:, list(comp)] = block
        if self.basis_ != [1 << i for i in range(n)]:
            inv = gf2_inverse(self.basis_, n)
            W = (n + 63) // 64
            out = unpack_bits(K.parity_transform(pack_bits(out), masks_to_words(inv, W)), n)
        return out

    def interactions(self, *, max_size: int = 16, tol: float = 0.0) -> list[dict]:
        """Couplings of each component's complete model, as spin operators on the original variables.

        For a component of ``r <= max_size`` basis variables with probabilities ``p_c(x)``,
        ``log p_c(s) = const + sum_mu g_mu phi_mu(s)`` over the ``2**r - 1`` operators ``mu`` of the
        component; ``g_mu = 2**-r sum_x (-1)**parity(mu & x) log p_c(x)`` (a Walsh–Hadamard
        transform). Each operator is mapped to the original variables through the basis (a product
        of basis operators).

        Parameters
        ----------
        max_size : int
            Refuse components of more variables (``2**r`` couplings each).
        tol : float
            List only couplings with ``|g| > tol``.

        Returns
        -------
        list of dict
            ``{"component": k, "operator": [original variables, 0-based], "order": int,
            "coupling": g}`` for every ``|g| > tol``, components in order, strongest first within.
        """
        self._check_fitted()
        out = []
        N = self.n_samples_
        for k, (comp, states, cnt) in enumerate(zip(self.components_, self._comp_states,
                                                      self._comp_counts)):
            r = len(comp)
            if r > max_size:
                raise InputError(f"component {k} has {r} variables > max_size = {max_size} "
                                 f"(2**{r} couplings); raise max_size to list them")
            counts = np.zeros(1 << r)
            np.add.at(counts, _keys(states).astype(np.int64), cnt)
            logp = np.log(counts + 0.5) - math.log(N + 2.0 ** (r - 1))
            g = K.walsh_hadamard(logp.copy()) / (1 << r)
            rows = []
            for mu in range(1, 1 << r):
                if abs(g[mu]) <= tol:
                    continue
                op = 0
                for j in range(r):
                    if mu >> j & 1:
                        op ^= self.basis_[comp[j]]
                vs = [i for i in range(self.n_features_in_) if op >> i & 1]
                rows.append({"component": k, "operator": vs, "order": len(vs), "coupling": float(g[mu])})
            out.extend(sorted(rows, key=lambda d: -abs(d["coupling"])))
        return out

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        """JSON-ready description of the fitted model (variables 0-based)."""
        self._check_fitted()
        n = self.n_features_in_
        return {
            "format": FORMAT_NAME, "version": FORMAT_VERSION, "n": n, "N": self.n_samples_,
            "params": {"basis": self.basis if isinstance(self.basis, str) else "given",
                       "search": self.search, "order": self.order},
            "basis": [operator_string(m, n) for m in self.basis_],
            "components": [list(c) for c in self.components_],
            "component_log_evidence": list(self.component_log_evidence_),
            "log_evidence": self.log_evidence_,
            "component_states": [
                [["".join(map(str, row)), int(c)] for row, c in zip(st.tolist(), cnt.tolist())]
                for st, cnt in zip(self._comp_states, self._comp_counts)],
        }

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the fitted model as JSON (atomically; refuses to overwrite unless asked).

        Parameters
        ----------
        path : path-like
            The file to write; its directory must exist.
        overwrite : bool
            Replace an existing file.

        Returns
        -------
        Path
            The file written.
        """
        from spinscope._files import atomic_write

        text = json.dumps(self.to_dict())
        return atomic_write(path, lambda tmp: Path(tmp).write_text(text), overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MinimallyComplexModel:
        """Read a model written by :meth:`save`.

        Parameters
        ----------
        path : path-like
            The model file.

        Returns
        -------
        MinimallyComplexModel
            Fitted.

        Raises
        ------
        ModelFileError
            The file is missing, not JSON, or not a valid ``spinscope-mcm`` file.
        """
        path = Path(path)
        try:
            d = json.loads(path.read_text())
        except FileNotFoundError:
            raise ModelFileError(f"model file {path} does not exist") from None
        except UnicodeDecodeError:
            raise ModelFileError(f"{path} is not an MCM model file: it is not text (a model is the "
                                 "JSON file written by spinscope mcm --out)") from None
        except json.JSONDecodeError as exc:
            raise ModelFileError(f"{path} is not an MCM model file: not valid JSON ({exc.msg} at "
                                 f"line {exc.lineno}, column {exc.colno})") from None
        except OSError as exc:
            raise ModelFileError(f"cannot read the MCM model file {path}: {exc.strerror or exc}") from None
        return cls.from_dict(d, source=str(path))

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "model") -> MinimallyComplexModel:
        """Rebuild a fitted model from :meth:`to_dict` output.

        Parameters
        ----------
        d : dict
            The output of :meth:`to_dict` (e.g. read back from JSON).
        source : str
            Name of the origin, for error messages.

        Returns
        -------
        MinimallyComplexModel
            Fitted.

        Raises
        ------
        ModelFileError
            ``d`` is not a valid ``spinscope-mcm`` description of this version.
        """
        if not isinstance(d, dict) or d.get("format") != FORMAT_NAME:
            raise ModelFileError(f"{source} is not a {FORMAT_NAME} file")
        if d.get("version") != FORMAT_VERSION:
            raise ModelFileError(f"{source} has version {d.get('version')}; this spinscope reads "
                                 f"version {FORMAT_VERSION}")
        try:
            n, N = int(d["n"]), int(d["N"])
            p = d.get("params") or {}
            if not isinstance(p, dict):
                raise TypeError(f"'params' must be an object, got {type(p).__name__}")
            if len(d["component_states"]) != len(d["components"]):
                raise ValueError(f"{len(d['components'])} components but "
                                 f"{len(d['component_states'])} lists of component states")
            model = cls(basis=p.get("basis", "original"), search=p.get("search", "exact"),
                        order=p.get("order"))
            model.basis_ = check_basis([[int(ch) for ch in s] for s in d["basis"]], n)
            model.components_ = [tuple(int(v) for v in c) for c in d["components"]]
            normalize_partition(model.components_, n)
            model.component_log_evidence_ = [float(x) for x in d["component_log_evidence"]]
            model.log_evidence_ = float(d["log_evidence"])
            model.n_features_in_, model.n_samples_ = n, N
            model._comp_states, model._comp_counts, model._comp_index = [], [], []
            for comp, rows in zip(model.components_, d["component_states"]):
                st = np.array([[int(ch) for ch in s] for s, _ in rows], dtype=np.uint8).reshape(-1, len(comp))
                cnt = np.array([int(c) for _, c in rows], dtype=np.int64)
                if int(cnt.sum()) != N:
                    raise ModelFileError(f"{source}: component {list(comp)} counts sum to {cnt.sum()}, not N = {N}")
                model._comp_states.append(st)
                model._comp_counts.append(cnt)
                model._comp_index.append(_index(_keys(st)))
        except ModelFileError:
            raise
        except KeyError as exc:
            raise ModelFileError(f"{source} is a corrupt {FORMAT_NAME} file: the key {exc} is "
                                 "missing; write the model again with spinscope mcm --out") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise ModelFileError(f"{source} is a corrupt {FORMAT_NAME} file: {exc}") from None
        return model

    def __repr__(self) -> str:
        return (f"MinimallyComplexModel(basis={self.basis!r}, search={self.search!r}, "
                f"order={self.order!r}, anneal_steps={self.anneal_steps!r}, seed={self.seed!r})")
