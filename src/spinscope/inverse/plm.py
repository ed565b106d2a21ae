"""Pseudo-likelihood maximisation (PLM) for Ising and q-state Potts models.

The pseudo-likelihood replaces the likelihood by the product of the conditionals of each spin
given the others, which need no partition function. With ``K = beta J`` and ``g = beta h``:

* Ising: ``log P(s_i | s_rest) = -log(1 + exp(-2 s_i theta_i))``, ``theta_i = g_i + sum_j K_ij s_j``;
* Potts (plmDCA, Ekeberg et al. 2013): ``log P(s_i = a | s_rest) = theta_i(a) - log sum_c
  exp theta_i(c)``, ``theta_i(a) = g_i(a) + sum_{j != i} K_ij(a, s_j)`` with a full ``q x q``
  block ``K_ij`` per pair and ``K_ji(b, a) = K_ij(a, b)``.

The minimised objective is ``-sum_b w_b sum_i log P(s_bi | s_b,rest) + R`` (weights sum to 1) with

* ``R = l2 sum_{i != j} K_ij^2 + l2_fields sum_i g_i^2`` (Potts: sums over all ``a, b``), or
* ``R = l1 sum_{i != j} sqrt(K_ij^2 + eps^2)``: L1 through this smooth (pseudo-Huber) surrogate
  of ``|K_ij|``, so that L-BFGS applies; couplings smaller than about ``eps`` are effectively
  zero (threshold them to read off a graph).

Variants: ``symmetric=True`` fits one symmetric ``K`` (all conditionals jointly);
``symmetric=False`` fits every row independently (n separate logistic/softmax regressions,
solved as one batched problem) and returns ``(K + K^T) / 2``. Optimisation: torch L-BFGS with a
strong-Wolfe line search, warm-started at zero, on every spin at once (one ``(B, n) x (n, n)``
product per evaluation).

Potts gauge: the conditionals do not change under ``K_ij(a, b) -> K_ij(a, b) + u_ij(a) + v_ij(b)``
with a compensating change of the fields. The reported ``couplings_`` (shape ``(n, n, q, q)``) and
``fields_`` (``(n, q)``) are in the **zero-sum (Ising) gauge**: every row and column of every block
sums to zero, and every field vector sums to zero. :meth:`to_model` projects each block on the
Potts form ``J_ij (delta_ab - 1/q)`` (``J_ij = trace K_ij / (q - 1)``), the closest Potts model in
Frobenius norm; ``potts_residual_`` is the relative size of what the projection drops.
"""

from __future__ import annotations

import numpy as np

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.inverse._base import InverseEstimator
from spinscope.inverse._lbfgs import minimize
from spinscope.inverse.data import SpinData

__all__ = ["PseudoLikelihood", "pseudo_log_likelihood", "zero_sum_gauge"]


def _nonneg(value, name: str) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


class PseudoLikelihood(InverseEstimator):
    """Pseudo-likelihood maximisation (see the module docstring).

    Parameters
    ----------
    beta : float
        Inverse temperature of the samples.
    q : int, optional
        Potts states (``None``: Ising data).
    symmetric : bool
        Fit one symmetric coupling matrix (default) or independent rows, then symmetrise.
    l2, l1 : float
        Regularisation strengths (at most one of them non-zero), per sample, on ``beta J``.
    l2_fields : float, optional
        L2 strength on ``beta h``; default ``l2`` (so that with ``l2 > 0`` a column that never
        changes gets a finite field). Without any field regularisation such a column is refused.
    l1_eps : float
        Smoothing of the L1 surrogate ``sqrt(K^2 + eps^2)``.
    max_iter : int
        L-BFGS iterations.
    tol : float, optional
        Stop when the largest gradient component is below ``tol``. Default: 1% of the gradient's
        sampling noise, ``0.01 / sqrt(B_eff)`` (``B_eff`` the Kish effective sample size),
        clipped to ``[1e-9, 1e-4]``; optimising further cannot change the estimate measurably.
    init : {"auto", "zero", "mf"}
        Starting point of L-BFGS: zero, or the naive mean-field inversion (Ising; it saves about
        half the iterations on dense data). ``"auto"``: ``"mf"`` for Ising data without L1 when
        the correlation matrix is invertible, else ``"zero"``.
    dtype : {"auto", "float64", "float32"}
        Precision of the data products (the L-BFGS iteration is float64). ``"auto"``: float32
        when ``B * d^2 >= 10^8`` (``d = n`` or ``n q``), where it halves the time at no
        measurable loss of accuracy, else float64.
    device : str
        Torch device.

    Attributes
    ----------
    couplings_ : ndarray (n, n) or (n, n, q, q)
        Ising couplings, or Potts blocks in the zero-sum gauge.
    fields_ : ndarray (n,) or (n, q)
    pseudo_log_likelihood_ : float
        Mean over samples and spins of ``log P(s_i | rest)`` at the fit (no penalty).
    n_iter_, converged_, grad_max_ : L-BFGS diagnostics.
    """

    method = "plm"
    supports_potts = True

    def __init__(self, *, beta: float = 1.0, q: int | None = None, symmetric: bool = True,
                 l2: float = 0.0, l1: float = 0.0, l2_fields: float | None = None,
                 l1_eps: float = 1e-3, max_iter: int = 500, tol: float | None = None,
                 init: str = "auto", dtype: str = "auto", device: str = "cpu") -> None:
        super().__init__(beta=beta, q=q)
        self.symmetric = bool(symmetric)
        self.l2, self.l1 = _nonneg(l2, "l2"), _nonneg(l1, "l1")
        if self.l1 and self.l2:
            raise InputError("give at most one of l1 and l2 (got both); use l2_fields for the fields")
        self.l2_fields = self.l2 if l2_fields is None else _nonneg(l2_fields, "l2_fields")
        self.l1_eps = _nonneg(l1_eps, "l1_eps")
        self.max_iter = check_int(max_iter, "max_iter", minimum=1)
        self.tol = None if tol is None else _nonneg(tol, "tol")
        if dtype not in ("auto", "float64", "float32"):
            raise InputError(f"dtype must be 'auto', 'float64' or 'float32', got {dtype!r}")
        if init not in ("auto", "zero", "mf"):
            raise InputError(f"init must be 'auto', 'zero' or 'mf', got {init!r}")
        self.init, self.dtype, self.device = init, dtype, device

    def _check_identifiable(self, data: SpinData) -> None:
        if self.l2_fields > 0:
            return
        self._refuse_constant(data, "their fields are infinite without regularisation: pass l2 > 0 "
                                    "(or l2_fields > 0), or drop these columns")
        unseen = data.unseen_states()
        if unseen:
            i, states = next(iter(unseen.items()))
            raise InputError(f"column {i} (0-based) never takes state(s) {states}: their fields are "
                             f"infinite without regularisation; pass l2 > 0 (or l2_fields > 0)")

    def _fit(self, data: SpinData) -> None:
        import torch

        self._check_identifiable(data)
        n, q = data.n, data.q
        d = n if q is None else n * q
        dtype = self.dtype
        if dtype == "auto":
            dtype = "float32" if data.n_samples * d * d >= 1e8 else "float64"
        dt = getattr(torch, dtype)
        tol = self.tol if self.tol is not None else float(np.clip(0.01 / np.sqrt(data.effective_samples), 1e-9, 1e-4))
        w = torch.as_tensor(data.weights, dtype=dt, device=self.device)
        x = _design(data, dt, self.device)
        W0, g0 = self._start(data)
        W = torch.as_tensor(W0, dtype=dt, device=self.device).requires_grad_(True)
        g = torch.as_tensor(g0, dtype=dt, device=self.device).requires_grad_(True)
        mask = _offdiag_mask(n, q, dt, self.device)
        target = None if q is None else torch.as_tensor(data.spins.astype(np.int64), device=self.device)

        ising = _IsingTerms(x, w) if q is None else None

        def objective():
            K = (W + W.T) / 2 * mask if self.symmetric else W * mask
            if q is None:
                return self._ising_value_and_grad(ising, K, g, mask)
            return -_pll(x, K, g, w, n, q, target) + self._penalty(K, g)

        info = minimize(objective, [W, g], max_iter=self.max_iter, tol=tol)
        self.tol_, self.dtype_ = tol, dtype
        with torch.no_grad():
            K = (W + W.T) / 2 * mask if self.symmetric else (W * mask + (W * mask).T) / 2
            self.pseudo_log_likelihood_ = float(_pll(x, K, g, w, n, q, target)) / n
        self.n_iter_, self.converged_, self.grad_max_ = info["n_iter"], info["converged"], info["grad_max"]
        K = K.detach().cpu().double().numpy()
        g = g.detach().cpu().double().numpy()
        if q is None:
            self.couplings_, self.fields_ = K / self.beta, g / self.beta
        else:
            blocks = K.reshape(n, q, n, q).transpose(0, 2, 1, 3)
            blocks, fields = zero_sum_gauge(blocks, g.reshape(n, q))
            self.couplings_, self.fields_ = blocks / self.beta, fields / self.beta

    def _start(self, data: SpinData) -> tuple[np.ndarray, np.ndarray]:
        """Initial ``(K, g)``: zero, or the naive mean-field inversion (see ``init``)."""
        d = data.n if data.q is None else data.n * data.q
        zero = (np.zeros((d, d)), np.zeros(d))
        use_mf = self.init == "mf" or (self.init == "auto" and data.q is None and not self.l1)
        if not use_mf:
            return zero
        if data.q is not None:
            raise InputError("init='mf' is for Ising data; use init='zero' for Potts data")
        from spinscope.inverse.meanfield import MeanFieldInverse

        try:
            mf = MeanFieldInverse().fit(data)
        except InputError:
            if self.init == "mf":
                raise
            return zero
        return mf.couplings_, np.clip(mf.fields_, -5.0, 5.0)

    def _ising_value_and_grad(self, terms, K, g, mask):
        """Ising objective and its gradient by hand: two matrix products and four elementwise
        passes over the ``(B, n)`` data per evaluation (autograd needs about twice as many)."""
        import torch

        with torch.no_grad():
            K = K.detach()
            a = (terms.xa @ torch.cat([K, g.detach()[None, :]], 0)).mul_(terms.xm2)  # -2 s_i theta_i
            # summed over samples in float64: float32 is too coarse for the line search near the end
            loss = torch.dot(torch.nn.functional.softplus(a).sum(1).double(), terms.w64)
            a.sigmoid_().mul_(terms.xw)                                            # d loss / d theta
            G = terms.xa.T @ a
            gK, gg = G[:-1], G[-1]
            loss = loss + self._penalty(K, g.detach())
            gK += self._penalty_grad(K)
            if self.l2_fields:
                gg += 2.0 * self.l2_fields * g.detach()
            gW = (gK + gK.T) / 2 * mask if self.symmetric else gK * mask
        return float(loss), [gW, gg]

    def _penalty_grad(self, K):
        """Gradient of the coupling penalty with respect to ``K``."""
        grad = 2.0 * self.l2 * K
        if self.l1:
            grad = grad + self.l1 * K / (K * K + self.l1_eps**2).sqrt()
        return grad

    def _penalty(self, K, g):
        pen = 0.0
        if self.l2:
            pen = pen + self.l2 * (K * K).sum()
        if self.l1:
            pen = pen + self.l1 * ((K * K + self.l1_eps**2).sqrt() - self.l1_eps).sum()
        if self.l2_fields:
            pen = pen + self.l2_fields * (g * g).sum()
        return pen

    def model_couplings(self) -> np.ndarray:
        """Ising: ``couplings_``; Potts: the projection ``J_ij = trace K_ij / (q - 1)``."""
        self._check_fitted()
        if self.q_ is None:
            return self.couplings_
        return np.trace(self.couplings_, axis1=2, axis2=3) / (self.q_ - 1)

    @property
    def potts_residual_(self) -> float:
        """Potts: ``||K - J (delta - 1/q)||_F / ||K||_F`` over all blocks (0 for a Potts model)."""
        self._check_fitted()
        if self.q_ is None:
            return 0.0
        q = self.q_
        P = np.eye(q) - 1.0 / q
        proj = self.model_couplings()[:, :, None, None] * P
        norm = np.linalg.norm(self.couplings_)
        return float(np.linalg.norm(self.couplings_ - proj) / norm) if norm else 0.0

    def _extra_summary(self) -> dict:
        out = {"symmetric": self.symmetric, "l1": self.l1, "l2": self.l2, "l2_fields": self.l2_fields,
               "pseudo_log_likelihood": self.pseudo_log_likelihood_, "n_iter": self.n_iter_,
               "converged": self.converged_, "grad_max": self.grad_max_, "tol": self.tol_,
               "dtype": self.dtype_}
        if self.q_ is not None:
            out["gauge"] = "zero-sum"
            out["potts_residual"] = self.potts_residual_
        return out


class _IsingTerms:
    """Data arrays of the hand-written Ising gradient, computed once per fit: the spins with a
    column of ones (fields enter the same matrix product), ``-2 s`` and ``-2 s w_b``."""

    def __init__(self, x, w) -> None:
        import torch

        self.w64 = w.to(torch.float64)
        self.xa = torch.cat([x, torch.ones((x.shape[0], 1), dtype=x.dtype, device=x.device)], 1)
        self.xm2 = -2.0 * x
        self.xw = self.xm2 * w[:, None]


def _design(data: SpinData, dt, device):
    """Ising spins ``(B, n)`` or Potts one-hot ``(B, n q)`` as a torch tensor."""
    import torch

    if data.q is None:
        return torch.as_tensor(data.spins, device=device).to(dt)
    return torch.as_tensor(data.one_hot(np.float32).reshape(data.n_samples, -1), device=device).to(dt)


def _offdiag_mask(n: int, q: int | None, dt, device):
    """1 off the diagonal (Ising) or off the diagonal blocks (Potts, blocks of size q)."""
    import torch

    m = 1.0 - torch.eye(n, dtype=dt, device=device)
    return m if q is None else torch.kron(m, torch.ones((q, q), dtype=dt, device=device))


def _pll(x, K, g, w, n: int, q: int | None, target):
    """Weighted sum over samples and spins of ``log P(s_i | rest)`` (torch, differentiable)."""
    import torch

    theta = x @ K + g
    if q is None:
        return -torch.dot(torch.nn.functional.softplus(-2.0 * x * theta).sum(1), w)
    logp = torch.log_softmax(theta.view(-1, n, q), dim=2)
    picked = logp.gather(2, target.unsqueeze(2)).squeeze(2)
    return torch.dot(picked.sum(1), w)  # (not w @ picked: a slow matrix-vector path in torch)


def zero_sum_gauge(blocks: np.ndarray, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move Potts couplings and fields to the zero-sum gauge (same distribution).

    Parameters
    ----------
    blocks : ndarray (n, n, q, q)
        ``K_ij(a, b)`` with ``K_ji(b, a) = K_ij(a, b)`` and zero diagonal blocks.
    fields : ndarray (n, q)

    Returns
    -------
    blocks, fields : ndarrays of the same shapes
        ``K_ij(a, b) - K_ij(a, .) - K_ij(., b) + K_ij(., .)`` (dots: means), and
        ``g_i(a) + sum_j [K_ij(a, .) - K_ij(., .)]`` minus its mean over ``a``.
    """
    row = blocks.mean(axis=3, keepdims=True)
    col = blocks.mean(axis=2, keepdims=True)
    tot = blocks.mean(axis=(2, 3), keepdims=True)
    out = blocks - row - col + tot
    h = fields + (row - tot)[..., 0].sum(axis=1)
    return out, h - h.mean(axis=1, keepdims=True)


def pseudo_log_likelihood(model, X, *, beta: float = 1.0, sample_weight=None) -> float:
    """Mean over samples and spins of ``log P(s_i | s_rest)`` under an Ising or Potts ``model``.

    Parameters
    ----------
    model : IsingModel or PottsModel
    X : samples accepted by :func:`spinscope.inverse.as_spin_data`
    beta : float
    sample_weight : array (B,), optional

    Returns
    -------
    float
        In nats per spin per sample (<= 0).
    """
    import torch

    from spinscope.inverse.data import as_spin_data
    from spinscope.models import model_kind

    kind = model_kind(model, allowed=("ising", "potts"), what="pseudo_log_likelihood")
    q = model.q if kind == "potts" else None
    data = as_spin_data(X, q=q, sample_weight=sample_weight)
    if data.n != model.n:
        raise InputError(f"the data have {data.n} columns but the model has {model.n} spins")
    dt = torch.float64
    J = np.asarray(model.dense_couplings() if kind == "ising" else _dense(model.couplings)) * beta
    if kind == "ising":
        K, g = torch.as_tensor(J), torch.as_tensor(beta * (model.fields if model.fields is not None
                                                              else np.zeros(model.n)))
    else:
        K = torch.as_tensor(np.kron(J, np.eye(q)))
        h = model.fields if model.fields is not None else np.zeros((model.n, q))
        g = torch.as_tensor(beta * h.reshape(-1))
    target = None if q is None else torch.as_tensor(data.spins.astype(np.int64))
    w = torch.as_tensor(data.weights)
    return float(_pll(_design(data, dt, "cpu"), K, g, w, data.n, q, target)) / data.n


def _dense(J) -> np.ndarray:
    return J.toarray() if hasattr(J, "toarray") else np.asarray(J, dtype=np.float64)
