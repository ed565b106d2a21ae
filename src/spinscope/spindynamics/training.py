"""Training of :class:`~spinscope.spindynamics.bp_model.BPModel` on exact fields; accuracy measures.

Loss per minibatch (configurations of one system)::

    L = mean |h_pred − h_exact,⊥|² + energy_weight · mean ((E_pred − Ω)/N)²

Adam; after every epoch the field MSE on the validation sets is measured; the best weights are kept
and training stops after ``patience`` epochs without improvement (early stopping). Minibatch order
flows from ``seed`` (numpy ``Generator``), so a run is reproducible.
"""

from __future__ import annotations

import copy

import numpy as np

from spinscope._validation import check_int, check_positive, make_rng
from spinscope.spindynamics.bp_model import BPModel, TrainingSet
from spinscope.spindynamics.descriptor import descriptors

__all__ = ["fit_normalisation", "r2_rmse", "train_model", "validation_mse"]


def r2_rmse(pred, exact) -> dict:
    """``R² = 1 − Σ(p − e)²/Σ(e − ē)²`` over all components, and the RMSE (numpy arrays)."""
    p, e = np.asarray(pred, np.float64).ravel(), np.asarray(exact, np.float64).ravel()
    ss = float(np.sum((p - e) ** 2))
    return {"r2": 1.0 - ss / float(np.sum((e - e.mean()) ** 2)), "rmse": float(np.sqrt(ss / p.size)),
            "field_rms": float(np.sqrt(np.mean(e**2))), "count": int(p.size)}


def fit_normalisation(model: BPModel, sets: list[TrainingSet]) -> None:
    """Set the model's descriptor mean and standard deviation from the training configurations."""
    import torch

    with torch.no_grad():
        d = torch.cat([descriptors(s.geom, s.spins).reshape(-1, model.settings.n_features) for s in sets])
    model.mean = d.mean(0).to(model.dtype)
    model.std = torch.clamp(d.std(0), min=1e-6).to(model.dtype)


def validation_mse(model: BPModel, sets: list[TrainingSet], batch: int = 16) -> float:
    """Mean squared error of the tangent fields over ``sets``."""
    total, count = 0.0, 0
    for s in sets:
        for a in range(0, s.spins.shape[0], batch):
            h, _ = model.fields_tensor(s.geom, s.spins[a:a + batch])
            total += float(((h.detach() - s.fields[a:a + batch]) ** 2).sum())
            count += h.numel()
    return total / max(count, 1)


def _epoch(model, opt, train, rng, batch, energy_weight):
    jobs = [(k, idx) for k, s in enumerate(train)
            for idx in np.array_split(rng.permutation(s.spins.shape[0]), max(1, s.spins.shape[0] // batch))]
    total = 0.0
    for j in rng.permutation(len(jobs)):
        k, idx = jobs[j]
        s = train[k]
        h, e = model.fields_tensor(s.geom, s.spins[idx], create_graph=True)
        loss = ((h - s.fields[idx]) ** 2).mean()
        if energy_weight:
            loss = loss + energy_weight * (((e - s.energies[idx]) / s.geom.n) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += float(loss.detach())
    return total / len(jobs)


def train_model(model: BPModel, train: list[TrainingSet], val: list[TrainingSet], *, epochs: int = 300,
                lr: float = 3e-3, batch: int = 8, patience: int = 30, energy_weight: float = 0.1,
                seed=0, progress=None, normalise: bool = True) -> list[dict]:
    """Train in place; returns the history (one dict per epoch: ``epoch``, ``train_loss``, ``val_mse``).

    The weights of the epoch with the smallest validation MSE are restored at the end.
    ``normalise=False`` keeps the model's descriptor standardisation (continued training).
    """
    import torch

    epochs, batch = check_int(epochs, "epochs", minimum=1), check_int(batch, "batch", minimum=1)
    patience, lr = check_int(patience, "patience", minimum=1), check_positive(lr, "lr")
    rng = make_rng(seed)
    if normalise:
        fit_normalisation(model, train)
    opt = torch.optim.Adam(model.net.parameters(), lr=lr)
    best, best_state, since, history = np.inf, None, 0, []
    for ep in range(1, epochs + 1):
        loss = _epoch(model, opt, train, rng, batch, energy_weight)
        v = validation_mse(model, val)
        history.append({"epoch": ep, "train_loss": loss, "val_mse": v})
        if v < best:
            best, best_state, since = v, copy.deepcopy(model.net.state_dict()), 0
        else:
            since += 1
        if progress is not None:
            progress(ep, epochs)
        if since >= patience:
            break
    if best_state is not None:
        model.net.load_state_dict(best_state)
    return history
