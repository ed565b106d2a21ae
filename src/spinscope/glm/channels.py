"""Output channels ``P_out(y | z)`` of the generalised linear model and their output denoisers.

The teacher emits ``y = phi(z) + noise`` with ``z = a . x / sqrt(N)``. Given a Gaussian belief
``z ~ N(omega, V)`` the channel's normaliser is ``Z_out(y, omega, V) = E_z[P_out(y | z)]``; the
output denoiser is ``g_out = d log Z_out / d omega`` and ``dg_out = d g_out / d omega``, computed
from the posterior of ``z`` given ``y``: ``g_out = (E[z|y] - omega) / V`` and
``dg_out = (Var[z|y] - V) / V^2``. State evolution needs, with ``omega = sqrt(q) xi`` and
``V = rho - q``,

* ``G(q) = E[g_out^2]`` (so that ``r = alpha G(q)``),
* ``Psi_out(q) = E[log Z_out(Y, omega, V)]``.

Channels: ``sign`` (``y = sign(z + sqrt(noise) w)``; noiseless by default, the perceptron),
``linear``, ``relu`` and ``abs`` (``y = phi(z) + sqrt(noise) w``; these need ``noise > 0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtr

from spinscope.glm.priors import gauss_hermite

__all__ = ["CHANNELS", "Channel", "make_channel"]

_LOG_2PI = float(np.log(2.0 * np.pi))
_S = np.linspace(-40.0, 40.0, 8001)          # trapezoid grid of the sign channel's integrals


def _half_line(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``s`` and weights with ``E[h(Z)] ~ sum w h(s)``: Gauss-Legendre on ``[0, 9]`` and
    ``[-9, 0]`` separately (the weight ``phi(s)`` folded in), for ``h`` with a kink at 0."""
    x, w = np.polynomial.legendre.leggauss(n)
    s = 4.5 * (x + 1.0)
    w = 4.5 * w * np.exp(-0.5 * s * s) / np.sqrt(2.0 * np.pi)
    return np.concatenate([-s[::-1], s]), np.concatenate([w[::-1], w])


def _log_npdf(x):
    return -0.5 * x * x - 0.5 * _LOG_2PI


def _mills(t):
    """``R(t) = phi(t) / Phi(t)``, stable for very negative ``t``."""
    return np.exp(_log_npdf(t) - log_ndtr(t))


def _truncated(mu, sd, side):
    """Mean and variance of ``N(mu, sd^2)`` restricted to ``side * u > 0``."""
    a = side * mu / sd
    R = _mills(a)
    mean = mu + side * sd * R
    var = sd * sd * np.maximum(1.0 - R * (R + a), 0.0)
    return mean, var


@dataclass(frozen=True)
class Channel:
    """An output channel (use :func:`make_channel`).

    Attributes
    ----------
    name : {"sign", "linear", "relu", "abs"}
    noise : float
        Variance of the Gaussian noise (before the sign for ``sign``, after ``phi`` otherwise).
    """

    name: str
    noise: float = 0.0

    def phi(self, z):
        if self.name == "relu":
            return np.maximum(z, 0.0)
        if self.name == "abs":
            return np.abs(z)
        return z

    def sample(self, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Outputs ``y`` of the teacher for pre-activations ``z``."""
        noise = np.sqrt(self.noise) * rng.standard_normal(np.shape(z)) if self.noise > 0 else 0.0
        if self.name == "sign":
            return np.where(z + noise >= 0, 1.0, -1.0)
        return self.phi(z) + noise

    def log_likelihood(self, y, z):
        """``log P_out(y | z)`` (a density in ``y`` for the continuous channels)."""
        if self.name == "sign":
            if self.noise == 0:
                return np.where(y * z >= 0, 0.0, -np.inf)
            return log_ndtr(y * z / np.sqrt(self.noise))
        d = y - self.phi(z)
        return -0.5 * d * d / self.noise - 0.5 * np.log(2 * np.pi * self.noise)

    # -- the output denoiser ----------------------------------------------------------------------
    def _components(self, y, omega, V):
        """Posterior of ``z`` given ``y`` as a mixture of truncated Gaussians: (log weight, mu, sd, side)."""
        D = self.noise
        comps = []
        s = np.sqrt(V * D / (V + D))
        lw = -0.5 * (y - omega) ** 2 / (V + D) - 0.5 * np.log(2 * np.pi * (V + D))
        mu = (omega * D + y * V) / (V + D)
        comps.append((lw + log_ndtr(mu / s), mu, s, 1.0))          # z > 0, y = z + noise
        if self.name == "relu":                                      # z < 0, y = noise
            lw0 = log_ndtr(-omega / np.sqrt(V)) - 0.5 * y * y / D - 0.5 * np.log(2 * np.pi * D)
            comps.append((lw0, omega, np.sqrt(V) * np.ones_like(omega), -1.0))
        else:                                                        # abs: z < 0, y = -z + noise
            lw1 = -0.5 * (y + omega) ** 2 / (V + D) - 0.5 * np.log(2 * np.pi * (V + D))
            mu1 = (omega * D - y * V) / (V + D)
            comps.append((lw1 + log_ndtr(-mu1 / s), mu1, s, -1.0))
        return comps

    def _posterior(self, y, omega, V):
        """``log Z_out``, ``E[z | y]`` and ``Var[z | y]`` of the continuous nonlinear channels."""
        comps = self._components(y, omega, V)
        logs = np.stack([c[0] for c in comps])
        log_z = np.logaddexp.reduce(logs, axis=0)
        mean = np.zeros_like(log_z)
        second = np.zeros_like(log_z)
        for (lw, mu, sd, side) in comps:
            w = np.exp(lw - log_z)
            m, v = _truncated(mu, sd, side)
            mean += w * m
            second += w * (v + m * m)
        return log_z, mean, np.maximum(second - mean * mean, 0.0)

    def g_out(self, y, omega, V):
        """``(g_out, dg_out)`` at outputs ``y``, means ``omega`` and variance ``V`` (broadcast)."""
        V = np.maximum(V, 1e-300)
        if self.name == "sign":
            Ve = V + self.noise
            t = y * omega / np.sqrt(Ve)
            R = _mills(t)
            return y * R / np.sqrt(Ve), -R * (t + R) / Ve
        if self.name == "linear":
            Ve = V + self.noise
            return (y - omega) / Ve, np.broadcast_to(-1.0 / Ve, np.shape(omega))
        V = np.maximum(V, 1e-12)
        with np.errstate(invalid="ignore", over="ignore"):
            _, mean, var = self._posterior(y, omega, V)
        return (mean - omega) / V, (var - V) / (V * V)

    def log_z(self, y, omega, V):
        """``log Z_out(y, omega, V)``."""
        if self.name == "sign":
            return log_ndtr(y * omega / np.sqrt(V + self.noise))
        if self.name == "linear":
            Ve = V + self.noise
            return -0.5 * (y - omega) ** 2 / Ve - 0.5 * np.log(2 * np.pi * Ve)
        return self._posterior(y, omega, V)[0]

    # -- state-evolution averages (vectorised over q) ---------------------------------------------
    def output_terms(self, q: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
        """``(G(q), Psi_out(q))`` for overlaps ``q`` in ``[0, rho)`` (arrays of ``q``'s shape)."""
        q = np.clip(np.asarray(q, dtype=float), 0.0, rho)
        if self.name == "linear":
            Ve = self.noise + rho - q
            return 1.0 / Ve, -0.5 * np.log(2 * np.pi * np.e * Ve)
        if self.name == "sign":
            return self._sign_terms(q, rho)
        return self._quadrature_terms(q, rho)

    def _sign_terms(self, q, rho):
        Ve = np.maximum(rho - q + self.noise, 1e-300)
        k = np.sqrt(q / Ve)
        G = np.empty_like(q)
        P = np.empty_like(q)
        small = k <= 1.0
        if small.any():                                   # E over xi by Gauss-Hermite, t = k xi
            z, w = gauss_hermite()
            t = k[small, None] * z
            G[small] = 2.0 * (np.exp(2 * _log_npdf(t) - log_ndtr(t)) @ w) / Ve[small]
            P[small] = 2.0 * ((ndtr(t) * log_ndtr(t)) @ w)
        big = ~small
        if big.any():                                     # substitute s = k xi (sharp for q -> rho)
            kb = k[big, None]
            dens = np.exp(_log_npdf(_S / kb)) / kb
            ds = _S[1] - _S[0]
            h = np.exp(2 * _log_npdf(_S) - log_ndtr(_S))
            ent = ndtr(_S) * log_ndtr(_S)
            G[big] = 2.0 * ((dens * h).sum(axis=1) * ds) / Ve[big]
            P[big] = 2.0 * (dens * ent).sum(axis=1) * ds
        return G, P

    def _quadrature_terms(self, q, rho, nodes=(40, 24, 16)):
        """Over the teacher's ``z ~ N(0, rho)`` (half-range Gauss-Laguerre on each side of the kink
        of ``phi`` at 0), the student's ``omega | z`` and the noise (Gauss-Hermite)."""
        zs, zw = _half_line(nodes[0])
        (xa, wa), (xc, wc) = gauss_hermite(nodes[1]), gauss_hermite(nodes[2])
        G = np.empty_like(q)
        P = np.empty_like(q)
        w = zw[:, None, None] * wa[None, :, None] * wc[None, None, :]
        for i, qi in enumerate(q.ravel()):
            V = max(rho - qi, 1e-12)
            z = np.sqrt(rho) * zs[:, None, None]
            omega = (qi / rho) * z + np.sqrt(max(qi * (1 - qi / rho), 0.0)) * xa[None, :, None]
            y = self.phi(z) + np.sqrt(self.noise) * xc[None, None, :]
            log_z, mean, _ = self._posterior(y, omega, V)
            G.flat[i] = np.sum(w * ((mean - omega) / V) ** 2)
            P.flat[i] = np.sum(w * log_z)
        return G, P

    def log_likelihood_mean(self, rho: float) -> float:
        """``E[log P_out(Y | Z)]``, ``Z ~ N(0, rho)`` (the channel's own conditional entropy, negated)."""
        if self.name == "sign":
            return 0.0 if self.noise == 0 else float(self._sign_terms(np.array([rho]), rho)[1][0])
        return float(-0.5 * np.log(2 * np.pi * np.e * self.noise))

    def to_dict(self) -> dict:
        return {"name": self.name, "noise": self.noise}


CHANNELS = ("sign", "linear", "relu", "abs")


def make_channel(name: str, *, noise: float | None = None) -> Channel:
    """A channel by name; ``noise`` is the Gaussian noise variance (default 0 for ``sign``,
    0.01 for the others, which need ``noise > 0``)."""
    from spinscope.errors import InputError

    if not isinstance(name, str) or name not in CHANNELS:
        raise InputError(f"unknown channel {name!r}; choose one of {', '.join(CHANNELS)} "
                         "(or 'grf' with a covariance function)")
    if noise is None:
        noise = 0.0 if name == "sign" else 0.01
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0 or (noise == 0 and name != "sign"):
        need = ">= 0" if name == "sign" else "> 0 (a noiseless continuous channel has no density)"
        raise InputError(f"the {name} channel's noise variance must be {need}, got {noise}")
    return Channel(name, noise)
