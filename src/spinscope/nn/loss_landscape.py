"""Loss landscapes of one-hidden-layer ReLU networks: ensembles, walks, alignment, barriers.

The protocols of Liao et al., *Exploring loss landscapes through the lens of spin glass theory*
(arXiv:2407.20724), on networks ``x -> W2 relu(W1 x + b1) + b2`` handled as flat parameter
vectors ``theta`` of shape ``(B, D)``, ``D = h d + h + c h + c``, laid out ``[W1, b1, W2, b2]``
(row-major, ``W1`` of shape (h, d), ``W2`` of shape (c, h)). A batch of ``B`` parameter vectors is
evaluated at once (batched matrix products), which is how many walkers, interpolation points or
networks cost about as much as one.

* :func:`train_ensemble` trains ``M`` networks together (one Adam optimiser on the stacked
  parameters; the losses are summed, so the networks do not interact), each from its own
  :func:`spinscope.nn.networks.build_network` initialisation and its own mini-batch order;
* :func:`losses` / :func:`accuracies` evaluate a batch;
* :func:`align` permutes the hidden units of one network to match another (Hungarian algorithm,
  :func:`scipy.optimize.linear_sum_assignment`, on the inner products of the units' incoming
  weights, bias and outgoing weights); :func:`permute_hidden` applies a permutation;
* :func:`interpolate` gives the loss along the straight path and the barrier
  ``max_t L(t) - max(L(0), L(1))``;
* :func:`random_walks` runs isotropic walks, or walks inside the span of given directions
  (Hessian eigenvectors), and records the loss against the distance from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from spinscope._validation import SeedLike, check_int, check_positive, make_rng, spawn_seeds
from spinscope.errors import InputError
from spinscope.nn.networks import build_network

__all__ = ["MLPShape", "accuracies", "align", "align_ensemble", "interpolate", "losses", "permute_hidden",
           "random_walks", "train_ensemble"]


@dataclass(frozen=True)
class MLPShape:
    """Widths ``(d, h, c)`` of a one-hidden-layer network and the layout of its flat parameters."""

    d: int
    h: int
    c: int

    def __post_init__(self) -> None:
        for name, v in (("input width", self.d), ("hidden width", self.h), ("number of classes", self.c)):
            if isinstance(v, bool) or int(v) != v or v < 1:
                raise InputError(f"{name} must be a positive integer, got {v!r}")

    @property
    def size(self) -> int:
        return self.h * self.d + self.h + self.c * self.h + self.c

    def unpack(self, theta: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(W1 (B,h,d), b1 (B,h), W2 (B,c,h), b2 (B,c))`` views of ``theta`` (B, D)."""
        d, h, c = self.d, self.h, self.c
        b = theta.shape[0]
        i1, i2, i3 = h * d, h * d + h, h * d + h + c * h
        return (theta[:, :i1].reshape(b, h, d), theta[:, i1:i2], theta[:, i2:i3].reshape(b, c, h), theta[:, i3:])

    def units(self, theta: np.ndarray) -> np.ndarray:
        """Per hidden unit, its incoming weights, bias and outgoing weights: (B, h, d + 1 + c)."""
        w1, b1, w2, _ = self.unpack(torch.as_tensor(theta))
        return torch.cat([w1, b1[..., None], w2.transpose(1, 2)], dim=2).numpy()


def logits(shape: MLPShape, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Outputs (B, n, c) of the ``B`` networks on inputs ``x`` (n, d) or (B, n, d)."""
    w1, b1, w2, b2 = shape.unpack(theta)
    pre = (torch.einsum("nd,bhd->bnh", x, w1) if x.dim() == 2 else torch.einsum("bnd,bhd->bnh", x, w1))
    return torch.einsum("bnh,bch->bnc", torch.relu(pre + b1[:, None, :]), w2) + b2[:, None, :]


def _ce(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per network: out (B, n, c), y (n,) or (B, n) -> (B,)."""
    logp = torch.log_softmax(out, dim=2)
    yy = y.expand(out.shape[0], -1) if y.dim() == 1 else y
    return -logp.gather(2, yy[..., None])[..., 0].mean(dim=1)


def losses(shape: MLPShape, theta, x, y, *, chunk: int = 256) -> np.ndarray:
    """Mean cross-entropy of each row of ``theta`` (B, D) on ``(x, y)`` (float64 result, no gradients)."""
    th, xt, yt = torch.as_tensor(theta, dtype=torch.float32), torch.as_tensor(x), torch.as_tensor(y)
    with torch.no_grad():
        return np.concatenate([_ce(logits(shape, th[i:i + chunk], xt), yt).double().numpy()
                               for i in range(0, th.shape[0], chunk)])


def accuracies(shape: MLPShape, theta, x, y) -> np.ndarray:
    """Classification accuracy of each row of ``theta`` on ``(x, y)``."""
    th, xt, yt = torch.as_tensor(theta, dtype=torch.float32), torch.as_tensor(x), torch.as_tensor(y)
    with torch.no_grad():
        return (logits(shape, th, xt).argmax(dim=2) == yt).double().mean(dim=1).numpy()


def init_params(shape: MLPShape, seeds) -> torch.Tensor:
    """Stacked initial parameters of ``build_network((d, h, c), seed=s)`` for every seed: (M, D)."""
    rows = []
    for s in seeds:
        net = build_network((shape.d, shape.h, shape.c), seed=int(s))
        rows.append(torch.cat([net[0].weight.detach().ravel(), net[0].bias.detach(), net[2].weight.detach().ravel(),
                               net[2].bias.detach()]))
    return torch.stack(rows)


def train_ensemble(shape: MLPShape, x, y, *, nets: int, steps: int = 400, lr: float = 0.01,
                   batch_size: int | None = None, seed: SeedLike = None) -> np.ndarray:
    """Train ``nets`` networks from independent initialisations and mini-batch orders, together.

    Parameters
    ----------
    shape : MLPShape
    x, y : arrays (n, d) float32 and (n,) int64
        Training data.
    nets, steps : int
        Number of networks and of Adam steps.
    lr : float
        Adam learning rate.
    batch_size : int or None
        Mini-batch size (each network draws its own batches without replacement, epoch by
        epoch); ``None`` or ``>= n``: full batch.
    seed : int, Generator or None
        Seeds every initialisation and batch order.

    Returns
    -------
    ndarray (nets, D) float32
        The trained parameter vectors.
    """
    nets, steps = check_int(nets, "nets", minimum=1), check_int(steps, "steps", minimum=0)
    lr = check_positive(lr, "lr")
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    n = xt.shape[0]
    bs = n if batch_size is None or batch_size >= n else check_int(batch_size, "batch_size", minimum=1)
    children = spawn_seeds(seed, nets + 1)
    init_seeds = np.random.default_rng(children[0]).integers(0, 2**31 - 1, nets)
    rngs = [np.random.default_rng(c) for c in children[1:]]
    theta = init_params(shape, init_seeds).requires_grad_(True)
    opt = torch.optim.Adam([theta], lr=lr)
    per_epoch = n // bs
    orders = None
    for step in range(steps):
        if bs < n:
            k = step % per_epoch
            if k == 0:
                orders = np.stack([r.permutation(n) for r in rngs])
            idx = torch.as_tensor(orders[:, k * bs:(k + 1) * bs])
            out, target = logits(shape, theta, xt[idx]), yt[idx]
        else:
            out, target = logits(shape, theta, xt), yt
        opt.zero_grad()
        _ce(out, target).sum().backward()
        opt.step()
    return theta.detach().numpy().copy()


def permute_hidden(shape: MLPShape, theta: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """The same function with hidden unit ``perm[j]`` moved to position ``j`` (theta: (D,) or (B, D))."""
    th = torch.as_tensor(np.atleast_2d(theta))
    w1, b1, w2, b2 = shape.unpack(th)
    p = torch.as_tensor(np.asarray(perm))
    out = torch.cat([w1[:, p].flatten(1), b1[:, p], w2[:, :, p].flatten(1), b2], dim=1).numpy()
    return out[0] if np.ndim(theta) == 1 else out


def align(shape: MLPShape, reference: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Permute the hidden units of ``theta`` to best match ``reference`` (both (D,)).

    Maximises ``sum_j <u_ref,j, u_theta,perm[j]>`` over permutations, with ``u`` a unit's incoming
    weights, bias and outgoing weights (:func:`scipy.optimize.linear_sum_assignment`).
    Returns ``(aligned theta, perm)``; the network function is unchanged.
    """
    ua, ub = shape.units(np.stack([reference, theta]))
    _, perm = linear_sum_assignment(ua @ ub.T, maximize=True)
    return permute_hidden(shape, theta, perm), perm


def align_ensemble(shape: MLPShape, thetas: np.ndarray, *, rounds: int = 3) -> np.ndarray:
    """Align every network of ``thetas`` (M, D) to a common frame: first to network 0, then
    ``rounds`` times each network to the mean of the *other* aligned networks (weight matching to
    a leave-one-out consensus, so that no network, network 0 included, is matched to itself)."""
    out = np.stack([align(shape, thetas[0], t)[0] for t in thetas])
    m = len(thetas)
    for _ in range(rounds):
        total = out.sum(axis=0)
        out = np.stack([align(shape, (total - out[i]) / (m - 1), t)[0] for i, t in enumerate(thetas)])
    return out


def interpolate(shape: MLPShape, a: np.ndarray, b: np.ndarray, x, y, *, points: int = 21
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """Loss on the straight path ``(1-t) a + t b``: ``(t, loss(t), barrier)``, barrier = ``max L - max(L_a, L_b)``."""
    t = np.linspace(0.0, 1.0, check_int(points, "points", minimum=2))
    path = (1.0 - t)[:, None] * a[None, :] + t[:, None] * b[None, :]
    curve = losses(shape, path.astype(np.float32), x, y)
    return t, curve, float(curve.max() - max(curve[0], curve[-1]))


def random_walks(shape: MLPShape, theta: np.ndarray, data: dict, *, walkers: int = 32, steps: int = 40,
                 step_size: float = 0.25, directions: np.ndarray | None = None, seed: SeedLike = None
                 ) -> dict[str, np.ndarray]:
    """Random walks in parameter space from ``theta`` (D,), all walkers batched.

    Each step adds a Gaussian increment of expected length ``step_size``: isotropic in R^D, or,
    with ``directions`` (k, D) orthonormal, a Gaussian combination of those directions only.
    ``data`` maps a name (``"train"``, ``"test"``) to ``(x, y)``; the result holds ``distance``
    (walkers, steps + 1) and ``loss_<name>`` of the same shape.
    """
    walkers, steps = check_int(walkers, "walkers", minimum=1), check_int(steps, "steps", minimum=1)
    rng = make_rng(seed)
    d = theta.size
    pos = np.repeat(theta[None, :].astype(np.float64), walkers, axis=0)
    out = {"distance": np.zeros((walkers, steps + 1))}
    out.update({f"loss_{name}": np.zeros((walkers, steps + 1)) for name in data})
    for s in range(steps + 1):
        if s:
            if directions is None:
                inc = rng.standard_normal((walkers, d)) / np.sqrt(d)
            else:
                inc = (rng.standard_normal((walkers, directions.shape[0])) / np.sqrt(directions.shape[0])) @ directions
            pos += step_size * inc
        out["distance"][:, s] = np.linalg.norm(pos - theta, axis=1)
        for name, (x, y) in data.items():
            out[f"loss_{name}"][:, s] = losses(shape, pos.astype(np.float32), x, y)
    return out
