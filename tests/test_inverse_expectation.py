"""Differentiable expectations (spinscope.inverse.expectation / exact_expectation).

References: the enumeration gradient (plain autograd through logsumexp) against central finite
differences (float64, 1e-6); the Monte Carlo gradient (fluctuation–dissipation estimate from
the samples) against the enumeration gradient within its jackknife error bars; the jackknife
against :func:`spinscope.analysis.jackknife`; conventions against :mod:`spinscope.exact`.

Statistical thresholds (fixed seeds): every component ``|z| < 5`` where
``z = (g_MC - g_exact) / err`` (with 32 jackknife blocks ``z`` is close to Student t with 31
degrees of freedom: P(|t| > 5) ~ 2e-5 per component, below 1 % for the few hundred compared), and
the mean of ``z^2`` within [0.5, 2.0] (expectation 31/29 ~ 1.07; the components come from the same
samples and are correlated, so the band is wider than a chi-square with that many degrees of
freedom would need). Calibration of the fast configurations over seeds 10-17: Ising n = 12
max |z| 2.5-3.8, mean z^2 0.85-1.19; Potts 2.1-3.4, 0.75-1.55. Power: the same Monte Carlo
estimate against the exact gradient at a 10 % wrong beta fails both tests (max |z| 9.8-19.7,
mean z^2 12-47 in calibration). (With a burn-in of 25 sweeps instead of the default 100, one
seed in six reached max |z| 4.8 and mean z^2 1.8: the default was raised.)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spinscope.analysis import jackknife
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.exact import enumerate_model
from spinscope.inverse import (
    ExpectationResult,
    TorchIsing,
    TorchPotts,
    exact_expectation,
    expectation,
)
from spinscope.models import IsingModel
from spinscope.models.graph import hypercubic

Z_MAX = 5.0
Z2_BAND = (0.5, 2.0)


def random_ising(n: int, seed: int, scale: float = 1.0, field: float = 0.3) -> TorchIsing:
    g = np.random.default_rng(seed)
    a = np.triu(g.normal(size=(n, n)) * scale / np.sqrt(n), 1)
    J = torch.tensor(a + a.T, requires_grad=True)
    h = torch.tensor(g.normal(size=n) * field, requires_grad=True)
    return TorchIsing(J, h)


def random_potts(n: int, q: int, seed: int) -> TorchPotts:
    g = np.random.default_rng(seed)
    a = np.triu(g.normal(size=(n, n)) * 0.8, 1)
    return TorchPotts(q, torch.tensor(a + a.T, requires_grad=True),
                      torch.tensor(g.normal(size=(n, q)) * 0.3, requires_grad=True))


def exact_grads(model, obs, beta: float):
    b = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
    return torch.autograd.grad(exact_expectation(model, obs, beta=b), [model.couplings, model.fields, b])


def mc_zscores(model, obs, beta: float, *, wrong_beta: float | None = None, **kw):
    """z of every gradient entry (upper-triangle J, h, beta): MC at ``beta`` vs exact at ``beta``
    (and, if given, the same MC estimate vs exact at ``wrong_beta``: the power check). A list of
    observables is sampled once; the z of all components are concatenated."""
    b = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
    res = expectation(model, obs, beta=b, with_errors=True, **kw)
    names = list(obs) if isinstance(obs, list) else [obs]
    values = res.value.reshape(-1)
    errs = res.grad_error()
    iu = torch.triu_indices(model.n, model.n, 1)
    out: tuple[list, list] = ([], [])
    for k, name in enumerate(names):
        mc = torch.autograd.grad(values[k], [model.couplings, model.fields, b], retain_graph=True)
        err = {key: e[k] for key, e in errs.items()} if isinstance(obs, list) else errs
        for ref, bucket in ((beta, out[0]), (wrong_beta, out[1])):
            if ref is None:
                continue
            ex = exact_grads(model, name, ref)
            bucket += [((mc[0] - ex[0]) / err["couplings"])[iu[0], iu[1]],
                       ((mc[1] - ex[1]) / err["fields"]).reshape(-1),
                       ((mc[2] - ex[2]) / err["beta"]).reshape(1)]
    z, wrong = (torch.cat(x).detach().numpy() if x else None for x in out)
    return z if wrong_beta is None else (z, wrong)


def assert_consistent(z: np.ndarray) -> None:
    assert np.abs(z).max() < Z_MAX, f"max |z| = {np.abs(z).max():.2f}"
    assert Z2_BAND[0] < (z**2).mean() < Z2_BAND[1], f"mean z^2 = {(z**2).mean():.3f}"


def assert_detected(z: np.ndarray) -> None:
    assert np.abs(z).max() > Z_MAX and (z**2).mean() > Z2_BAND[1]


# ---------------------------------------------------------------------------- exact twin


def _central(f, x, idx, eps=1e-5, pair=False):
    with torch.no_grad():
        xp, xm = x.detach().clone(), x.detach().clone()
        for i in ([idx, idx[::-1]] if pair else [idx]):
            xp[i] += eps
            xm[i] -= eps
    return (f(xp) - f(xm)) / (2 * eps)


@pytest.mark.parametrize("obs", ["energy", "m", "abs_m", "m2", "uses_J"])
def test_exact_gradient_equals_central_differences(obs):
    m = random_ising(7, seed=3)
    J0, h0 = m.couplings, m.fields
    observable = (lambda s: (s[:, 0] * s[:, 1]) * J0[0, 1] + s[:, 2]) if obs == "uses_J" else obs
    beta = 0.8
    gJ, gh, gb = exact_grads(m, observable, beta)

    def at(J=J0, h=h0, b=beta):
        o = (lambda s: (s[:, 0] * s[:, 1]) * J[0, 1] + s[:, 2]) if obs == "uses_J" else obs
        return float(exact_expectation(TorchIsing(J, h), o, beta=b).detach())

    for i, j in [(0, 1), (2, 5), (3, 6)]:   # a bond moves J_ij and J_ji: dL/dJ_ij + dL/dJ_ji
        fd = _central(lambda J: at(J=J), J0, (i, j), pair=True)
        assert abs(fd - float(gJ[i, j] + gJ[j, i])) < 1e-6
    for i in range(7):
        assert abs(_central(lambda h: at(h=h), h0, (i,)) - float(gh[i])) < 1e-6
    fb = (at(b=beta + 1e-5) - at(b=beta - 1e-5)) / 2e-5
    assert abs(fb - float(gb)) < 1e-6
    assert torch.all(torch.diagonal(gJ) == 0)
    if obs != "uses_J":                 # (that observable reads J[0, 1] only, not J[1, 0])
        assert torch.allclose(gJ, gJ.T)


def test_exact_potts_gradient_equals_central_differences():
    m = random_potts(5, 3, seed=1)
    J0, h0 = m.couplings, m.fields
    gJ, gh, gb = exact_grads(m, "energy", 0.6)

    def at(J=J0, h=h0, b=0.6):
        return float(exact_expectation(TorchPotts(3, J, h), "energy", beta=b).detach())

    for i, j in [(0, 1), (1, 4), (2, 3)]:
        assert abs(_central(lambda J: at(J=J), J0, (i, j), pair=True) - float(gJ[i, j] + gJ[j, i])) < 1e-6
    for i, a in [(0, 0), (3, 2), (4, 1)]:
        assert abs(_central(lambda h: at(h=h), h0, (i, a)) - float(gh[i, a])) < 1e-6
    assert abs((at(b=0.6 + 1e-5) - at(b=0.6 - 1e-5)) / 2e-5 - float(gb)) < 1e-6


def test_exact_matches_spinscope_enumeration():
    """Same Hamiltonian conventions as spinscope.models / spinscope.exact (Ising and Potts)."""
    m = random_ising(9, seed=0)
    th = enumerate_model(m.to_model(), 0.7)
    assert abs(float(exact_expectation(m, "energy_per_spin", beta=0.7).detach()) - th.energy) < 1e-12
    assert abs(float(exact_expectation(m, "m2", beta=0.7).detach()) - th.magnetization2) < 1e-12
    p = random_potts(6, 3, seed=2)
    assert abs(float(exact_expectation(p, "energy_per_spin", beta=0.5).detach())
               - enumerate_model(p.to_model(), 0.5).energy) < 1e-12


def test_beta_gradient_is_minus_energy_covariance():
    m = random_ising(8, seed=5)
    for obs in ("m", "abs_m"):
        b = torch.tensor(0.9, dtype=torch.float64, requires_grad=True)
        (gb,) = torch.autograd.grad(exact_expectation(m, obs, beta=b), [b])
        o_e, o, e = exact_expectation(
            m, [lambda s, obs=obs: _named(m, obs, s) * m.energy(s), lambda s, obs=obs: _named(m, obs, s),
                "energy"], beta=0.9).detach()
        assert abs(float(gb) + (o_e - o * e)) < 1e-10
    # Monte Carlo: the same identity holds on the samples themselves (to rounding)
    res = expectation(m, ["m", "energy"], beta=b, sweeps=200, replicas=8, seed=0, with_errors=True)
    (gb,) = torch.autograd.grad(res.value[0], [b])
    moments = expectation(m, [lambda s: s.mean(1) * m.energy(s), "m", "energy"], beta=0.9, sweeps=200,
                          replicas=8, seed=0).detach()
    assert abs(float(gb) + float(moments[0] - moments[1] * moments[2])) < 1e-9


def _named(model, name, s):
    return s.mean(1) if name == "m" else s.mean(1).abs()


# ---------------------------------------------------------------------------- Monte Carlo path


def test_mc_gradient_within_error_bars_and_wrong_beta_detected():
    m = random_ising(12, seed=0)
    z, wrong = mc_zscores(m, ["energy", "abs_m"], 0.6, wrong_beta=0.66, replicas=256, sweeps=100, seed=1)
    assert_consistent(z)
    assert_detected(wrong)


def test_potts_mc_gradient_within_error_bars():
    m = random_potts(6, 3, seed=4)
    assert_consistent(mc_zscores(m, ["energy", "abs_m"], 0.7, replicas=256, sweeps=100, seed=2,
                                 sampler="heatbath"))


def test_torch_backend_cpu_device_runs_and_agrees():
    m = random_ising(10, seed=7)
    z = mc_zscores(m, "energy", 0.5, replicas=256, sweeps=100, seed=3, backend="torch", device="cpu")
    assert_consistent(z)


@pytest.mark.parametrize("rule", ["wolff", "swendsen-wang", "multispin"])
def test_other_registry_rules_on_a_lattice(rule):
    """Cluster and bit-packed rules sample the same distribution (4x4 ferromagnet, zero field)."""
    g = hypercubic((4, 4))
    adj = g.adjacency(1.0)
    J = torch.tensor(adj.toarray() if hasattr(adj, "toarray") else adj, requires_grad=True)
    h = torch.zeros(16, dtype=torch.float64, requires_grad=True)
    assert_consistent(mc_zscores(TorchIsing(J, h, graph=g), ["energy", "abs_m"], 0.4, replicas=128,
                                 sweeps=100, seed=0, sampler=rule))


def test_value_error_and_grad_error_equal_analysis_jackknife():
    m = random_ising(6, seed=8)
    beta = 0.7
    res = expectation(m, "energy", beta=beta, sweeps=160, replicas=4, burn_in=20, n_blocks=32, seed=4,
                      with_errors=True)
    # rebuild the series (chains, time) from the same seed's samples
    from spinscope.mc import MonteCarlo

    mc = MonteCarlo()
    st = mc.init(m.to_model(), betas=[beta], replicas=4, seed=4)
    st, _ = mc.run(st, sweeps=20)
    snaps = []
    for _ in range(160):
        st, _ = mc.run(st, sweeps=1)
        snaps.append(st.spins_numpy().astype(float))
    s = np.stack(snaps, axis=1)                                      # (R, M, n)
    e = IsingModel(m.couplings.detach().numpy(), m.fields.detach().numpy()).energy(s)
    assert abs(jackknife(lambda x: x, e, n_blocks=32).error - float(res.error)) < 1e-10
    x = s[..., 1] * s[..., 4]
    # d<E>/dJ_14 (entrywise) = <dE/dJ_14> - beta Cov(E, dH/dJ_14), dH/dJ_14 = -x/2
    ref = jackknife(lambda x_, e_, ex: -x_ / 2 + beta / 2 * (ex - e_ * x_), x, e, e * x, n_blocks=32)
    assert abs(ref.error - float(res.grad_error()["couplings"][1, 4])) < 1e-10
    (g,) = torch.autograd.grad(res.value, [m.couplings])
    assert abs(float(g[1, 4]) - (-x.mean() / 2 + beta / 2 * ((e * x).mean() - e.mean() * x.mean()))) < 1e-10


def test_vector_observable_and_result_api():
    m = random_ising(6, seed=9)
    res = expectation(m, ["energy_per_spin", "abs_m"], beta=0.5, sweeps=100, replicas=8, seed=0,
                      with_errors=True)
    assert isinstance(res, ExpectationResult) and res.value.shape == (2,) and res.error.shape == (2,)
    per = res.grad_error()
    assert per["couplings"].shape == (2, 6, 6) and per["fields"].shape == (2, 6)
    combo = res.grad_error([1.0, 0.0])
    assert torch.allclose(combo["couplings"], per["couplings"][0])
    assert res.spins.shape == (8, 6) and res.n_samples == 800
    ex = exact_expectation(m, ["energy_per_spin", "abs_m"], beta=0.5, with_errors=True)
    assert ex.error.abs().max() == 0 and ex.grad_error()["couplings"].abs().max() == 0
    cont = expectation(m, "abs_m", beta=0.5, sweeps=10, burn_in=0, replicas=8, spins=res.spins, seed=1)
    assert cont.shape == ()


# ---------------------------------------------------------------------------- bad input


def test_bad_input():
    J = torch.zeros(4, 4, dtype=torch.float64)
    asym = J.clone()
    asym[0, 1] = 1.0
    with pytest.raises(InputError, match="symmetric"):
        TorchIsing(asym)
    diag = J.clone()
    diag[2, 2] = 1.0
    with pytest.raises(InputError, match="zero diagonal"):
        TorchIsing(diag)
    with pytest.raises(InputError, match="square"):
        TorchIsing(torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(InputError, match="fields must have shape"):
        TorchIsing(J, torch.zeros(5, dtype=torch.float64))
    with pytest.raises(InputError, match=r"fields must have shape \(4, 3\)"):
        TorchPotts(3, J, torch.zeros(4, dtype=torch.float64))
    with pytest.raises(SpinscopeTypeError, match="floating-point"):
        TorchIsing(torch.zeros(4, 4, dtype=torch.int64))
    m = TorchIsing(J)
    for kw, msg in [({"sweeps": -5}, "sweeps"), ({"sweeps": 1}, "measurements"),
                    ({"replicas": 0}, "replicas"), ({"thin": 0}, "thin")]:
        with pytest.raises(InputError, match=msg):
            expectation(m, "energy", beta=0.5, **kw)
    with pytest.raises(InputError, match="beta"):
        expectation(m, "energy", beta=-1.0)
    with pytest.raises(InputError, match="unknown observable"):
        expectation(m, "entropy", beta=0.5)
    with pytest.raises(InputError, match="must return shape"):
        exact_expectation(m, lambda s: s[:3, 0], beta=0.5)
    with pytest.raises(InputError, match="Ising models only"):
        exact_expectation(TorchPotts(3, J), "m", beta=0.5)
    with pytest.raises(SpinscopeTypeError, match="TorchIsing"):
        expectation(IsingModel(np.zeros((4, 4))), "energy", beta=0.5)
    with pytest.raises(InputError, match="2\\^20"):
        exact_expectation(TorchIsing(torch.zeros(21, 21, dtype=torch.float64)), "energy", beta=0.5)
    with pytest.raises(InputError, match="wolff"):
        expectation(TorchIsing(J, torch.ones(4, dtype=torch.float64)), "energy", beta=0.5, sampler="wolff")


# ---------------------------------------------------------------------------- slow


@pytest.mark.slow
def test_mc_gradient_n16_several_beta_and_observables():
    m = random_ising(16, seed=11, scale=1.2, field=0.4)
    runs = [mc_zscores(m, ["energy", "m", "abs_m", "m2"], beta, wrong_beta=1.1 * beta, replicas=256,
                       sweeps=200, seed=int(beta * 100)) for beta in (0.25, 0.5, 0.9)]
    assert_consistent(np.concatenate([r[0] for r in runs]))
    assert_detected(np.concatenate([r[1] for r in runs]))


@pytest.mark.slow
def test_potts_mc_gradient_q3_n8_several_beta():
    m = random_potts(8, 3, seed=12)
    z = [mc_zscores(m, ["energy", "abs_m", "m2"], beta, replicas=256, sweeps=100, seed=5) for beta in (0.4, 0.9)]
    assert_consistent(np.concatenate(z))
