"""The Gaussian-random-field generative model (after Bereyhi, Loureiro, Krzakala, Mueller and
Schulz-Baldes, arXiv:2201.09986).

Output ``mu`` is the value at the signal of a centred Gaussian random field plus noise,

    y_mu = F_mu(x) + sqrt(noise) w_mu,    E[F_mu(x) F_mu(x')] = f(x . x' / N),

with ``F_1 .. F_M`` independent and known to the statistician. ``f(q) = q`` is the linear model
``F(x) = a . x / sqrt(N)``; ``f(q) = sum_k c_k q^k`` with ``c_1 = 0`` is *strictly nonlinear*.
``f(x . x' / N)`` is a covariance on the sphere in every dimension iff all ``c_k >= 0``
(Schoenberg 1942), which :class:`Covariance` checks from the Taylor coefficients of ``f``.

Replica symmetry gives the GLM formulas with the Gaussian channel's output terms evaluated at
``f(q)`` instead of ``q`` (derivation in ``docs/glm.md``):
``Psi_out(q) = -1/2 log(2 pi e (noise + f(rho) - f(q)))``, ``G(q) = f'(q) / (noise + f(rho) - f(q))``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

__all__ = ["Covariance", "GRFOutput", "hypercube_fields", "hypercube_spectrum", "make_covariance"]

_FUNCS = {"exp": np.exp, "sin": np.sin, "cos": np.cos, "sinh": np.sinh, "cosh": np.cosh,
          "tanh": np.tanh, "arcsin": np.arcsin, "asin": np.arcsin}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
          ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _parse(text: str):
    from spinscope.errors import InputError

    hint = ("write it in q with numbers, + - * / **, and " + ", ".join(sorted(_FUNCS))
            + ", e.g. 'q**3' or '0.2*q + 0.8*q**4'")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise InputError(f"cannot read the covariance function {text!r}; {hint}") from None
    for node in ast.walk(tree):
        bad = not isinstance(node, _NODES)
        bad = bad or (isinstance(node, ast.Name) and node.id not in ("q", *_FUNCS))
        bad = bad or (isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)))
        bad = bad or (isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                                          and node.func.id in _FUNCS and len(node.args) == 1))
        if bad:
            raise InputError(f"the covariance function {text!r} uses something other than q, numbers, "
                             f"arithmetic and {', '.join(sorted(_FUNCS))}; {hint}")
    code = compile(tree, "<covariance>", "eval")
    return lambda q: eval(code, {"__builtins__": {}}, {"q": q, **_FUNCS}) + 0 * q


@dataclass(frozen=True)
class Covariance:
    """A covariance function ``f(q)`` of the overlap (use :func:`make_covariance`).

    Attributes
    ----------
    text : str
        The expression in ``q``.
    coefficients : tuple of float
        Taylor coefficients ``c_0, c_1, ...`` of ``f`` at 0 (from an FFT on the unit circle).
    """

    text: str
    coefficients: tuple

    def __call__(self, q):
        with np.errstate(all="ignore"):
            return np.real(_parse(self.text)(np.asarray(q, dtype=complex)))

    def derivative(self, q):
        """``f'(q)`` by the complex step (exact to rounding for analytic ``f``)."""
        h = 1e-30
        with np.errstate(all="ignore"):
            return np.imag(_parse(self.text)(np.asarray(q, dtype=float) + 1j * h)) / h

    @property
    def strictly_nonlinear(self) -> bool:
        """``f'(0) = c_1 = 0``: the uninformed point ``q = 0`` is a fixed point, always stable."""
        return abs(self.coefficients[1]) <= 1e-10 * max(1.0, sum(abs(c) for c in self.coefficients))

    def to_dict(self) -> dict:
        return {"function": self.text, "coefficients": [float(c) for c in self.coefficients[:8]],
                "strictly_nonlinear": self.strictly_nonlinear}


def make_covariance(text: str, *, terms: int = 128) -> Covariance:
    """Parse ``text`` (an expression in ``q``) and check that it is a covariance on every sphere.

    Raises
    ------
    InputError
        If the expression cannot be read, is not finite on ``[-1, 1]``, is constant, or has a
        negative Taylor coefficient (not positive definite: Schoenberg's theorem).
    """
    from spinscope.errors import InputError

    if not isinstance(text, str) or not text.strip():
        raise InputError("the grf channel needs a covariance function of q (--covariance), e.g. 'q**3'")
    fn = _parse(text)
    with np.errstate(all="ignore"):
        grid = np.real(fn(np.linspace(-1.0, 1.0, 201).astype(complex)))
        circle = fn(np.exp(2j * np.pi * np.arange(terms) / terms))
    if not np.all(np.isfinite(grid)) or not np.all(np.isfinite(circle)):
        raise InputError(f"the covariance function {text!r} is not finite on [-1, 1]")
    c = np.real(np.fft.fft(circle)) / terms
    c = c[: terms // 2]
    scale = float(np.sum(np.abs(c)))
    neg = np.nonzero(c < -1e-8 * max(scale, 1e-300))[0]
    if len(neg):
        k = int(neg[0])
        raise InputError(f"the covariance function {text!r} is not positive definite: its power series "
                         f"has the negative coefficient c_{k} = {c[k]:.4g} (f(x.x'/N) is a covariance in "
                         "every dimension iff all coefficients are >= 0, Schoenberg 1942); use e.g. 'q**3'")
    if scale - abs(c[0]) <= 1e-10 * max(scale, 1e-300):
        raise InputError(f"the covariance function {text!r} is constant: the outputs carry no information "
                         "about the signal; use a function of q such as 'q**3'")
    c = np.where(np.abs(c) < 1e-12 * scale, 0.0, c)
    return Covariance(text.strip(), tuple(float(v) for v in c))


@dataclass(frozen=True)
class GRFOutput:
    """The GRF model's output side for state evolution (Gaussian noise of variance ``noise``)."""

    covariance: Covariance
    noise: float
    name: str = "grf"

    def output_terms(self, q: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
        q = np.clip(np.asarray(q, dtype=float), 0.0, rho)
        f = self.covariance
        Ve = self.noise + np.maximum(f(np.array(rho)) - f(q), 0.0)
        return np.maximum(f.derivative(q), 0.0) / Ve, -0.5 * np.log(2 * np.pi * np.e * Ve)

    def log_likelihood_mean(self, rho: float) -> float:
        return float(-0.5 * np.log(2 * np.pi * np.e * self.noise))

    def all_or_nothing_load(self, entropy: float, rho: float = 1.0) -> float:
        """``alpha_c = 2 H(X) / log(1 + (f(rho) - f(0)) / noise)``: where the uninformed point's
        mutual information ``(alpha / 2) log(1 + (f(rho) - f(0)) / noise)`` reaches the signal's
        entropy (the capacity argument; the replica threshold tends to it as the noise vanishes)."""
        f = self.covariance
        snr = (float(f(np.array(rho))) - float(f(np.array(0.0)))) / self.noise
        return float(2.0 * entropy / np.log1p(snr))

    def to_dict(self) -> dict:
        return {"name": "grf", "noise": self.noise, "covariance": self.covariance.to_dict()}


def _fwht(a: np.ndarray) -> np.ndarray:
    """Unnormalised Walsh-Hadamard transform along the last axis (length a power of 2)."""
    from spinscope.glm._kernels import fwht_rows

    a = np.array(a, dtype=float, copy=True)
    flat = a.reshape(-1, a.shape[-1])
    fwht_rows(flat)
    return flat.reshape(a.shape)


def hypercube_spectrum(covariance: Covariance, n: int) -> np.ndarray:
    """Eigenvalues ``lambda_S`` (indexed by the subset ``S`` as a bit mask) of the covariance
    matrix ``f(x . x' / n)`` on ``{±1}^n`` (bit ``i`` of a state set means ``x_i = -1``)."""
    from spinscope.errors import InputError

    idx = np.arange(2**n)
    pop = np.zeros(2**n)
    for i in range(n):
        pop += (idx >> i) & 1
    lam = _fwht(covariance(1.0 - 2.0 * pop / n)) / 2**n
    if lam.min() < -1e-9 * max(lam.max(), 1e-300):
        raise InputError(f"the covariance function {covariance.text!r} is not positive definite on "
                         f"{{±1}}^{n} (eigenvalue {lam.min():.3g})")
    return np.maximum(lam, 0.0)


def hypercube_fields(spectrum: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` independent fields ``F(x)`` at all ``2^n`` states: ``(count, 2^n)``."""
    g = rng.standard_normal((count, len(spectrum))) * np.sqrt(spectrum)
    return _fwht(g)
