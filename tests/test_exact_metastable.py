"""One-spin-flip-stable configurations (T = 0 TAP solutions): exact enumeration against brute force,
special cases, and (slow) the growth of their number in SK against Tanaka–Edwards / Bray–Moore."""

import itertools

import numpy as np
import pytest

from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.exact import (
    BRAY_MOORE_COMPLEXITY,
    bray_moore_complexity,
    count_one_flip_stable,
    ising_levels,
    one_flip_stable_states,
    sk_log_mean_stable_count,
)
from spinscope.models import IsingModel, PottsModel, hypercubic, sk


def brute_force(model, tol=1e-9):
    """Every stable configuration by itertools (ties within ``tol`` count as stable)."""
    s = np.array(list(itertools.product((1, -1), repeat=model.n)), dtype=np.int8)
    loc = model.local_fields(s)
    return s[np.all(s * loc >= -tol, axis=1)]


def as_set(states):
    return {tuple(int(v) for v in row) for row in states}


def expand_pairs(result):
    """All stable configurations represented by a result (mirror images added when paired)."""
    rows = as_set(result.states)
    return rows | {tuple(-v for v in r) for r in rows} if result.paired else rows


def integer_pm(n, seed):
    """±1 couplings (integers: fields are exact, ties exactly zero)."""
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.choice([-1.0, 1.0], size=(n, n)), k=1)
    return IsingModel(upper + upper.T)


CASES = {
    "sk": lambda n, seed: sk(n, seed=seed),
    "sk-pm": lambda n, seed: sk(n, distribution="pm", seed=seed),
    "pm-integer": integer_pm,
    "sk-fields": lambda n, seed: sk(n, seed=seed).with_fields(
        np.random.default_rng(seed + 100).normal(0, 0.5, n)),
    "pm-integer-fields": lambda n, seed: integer_pm(n, seed).with_fields(
        np.random.default_rng(seed).choice([-1.0, 0.0, 1.0], n)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("n", [2, 3, 6, 9, 10])
def test_matches_brute_force(case, n):
    for seed in range(3):
        model = CASES[case](n, seed)
        expected = brute_force(model)
        res = one_flip_stable_states(model)
        assert res.count == len(expected) == count_one_flip_stable(model)
        assert expand_pairs(res) == as_set(expected)
        assert res.states.dtype == np.int8 and res.states.shape == (len(res.energies), n)
        assert res.paired == (not np.any(model.fields))
        if res.paired:
            assert np.all(res.states[:, -1] == 1) and 2 * len(res.states) == res.count
        np.testing.assert_allclose(res.energies, model.energy(res.states), atol=1e-12)
        assert np.all(np.diff(res.energies) >= 0)


def test_more_spins_than_one_chunk_and_threads_agree():
    """n = 16 at h != 0 walks 16 chunks; the count equals the brute force of the levels."""
    import numba

    model = sk(16, seed=5).with_fields(0.1)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = one_flip_stable_states(model)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = one_flip_stable_states(model)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.states, many.states) and one.count == many.count
    assert as_set(one.states) == as_set(brute_force(model))


def test_ferromagnet_has_one_pair():
    n = 12
    model = IsingModel(np.ones((n, n)) - np.eye(n))
    res = one_flip_stable_states(model)
    assert res.count == 2 and res.paired
    np.testing.assert_array_equal(res.states, np.ones((1, n), dtype=np.int8))
    assert res.energies[0] == pytest.approx(-n * (n - 1) / 2)


def test_open_chain_equal_magnitudes_counts_ties():
    """Open ±1 chain: a gauge maps it to the ferromagnet; a configuration is stable iff the end
    bonds are satisfied and no spin has both bonds broken (one broken, one satisfied is a tie),
    i.e. the n-3 interior bonds hold no two adjacent broken ones: 2 F(n-1) states (Fibonacci)."""
    n = 11
    signs = np.random.default_rng(2).choice([-1.0, 1.0], n - 1)
    j = np.diag(signs, 1) + np.diag(signs, -1)
    fib = [0, 1]
    while len(fib) <= n:
        fib.append(fib[-1] + fib[-2])
    assert count_one_flip_stable(IsingModel(j)) == 2 * fib[n - 1] == 110


@pytest.mark.parametrize("seed", range(3))
def test_open_chain_random_magnitudes(seed):
    """Gaussian open chain: a broken bond is stable iff it is interior and weaker than both its
    neighbours (a local minimum of |J|); any set of such bonds may be broken: 2 * 2^#minima."""
    n = 20
    w = np.random.default_rng(seed).standard_normal(n - 1)
    j = np.diag(w, 1) + np.diag(w, -1)
    a = np.abs(w)
    minima = int(np.sum((a[1:-1] < a[:-2]) & (a[1:-1] < a[2:])))
    assert count_one_flip_stable(IsingModel(j)) == 2 * 2**minima


def test_ferromagnetic_ring_ties():
    """Ferromagnetic ring: every configuration whose domains all have length >= 2 is stable (moving
    a domain wall costs 0: a tie, counted stable); only the uniform pair is strictly stable."""
    n = 10
    model = IsingModel.from_graph(hypercubic((n,), periodic=True), 1.0)
    expected = brute_force(model)
    assert count_one_flip_stable(model) == len(expected) > 2
    strict = expected[np.all(expected * model.local_fields(expected) > 0, axis=1)]
    assert len(strict) == 2  # only the two uniform states are strictly stable


def test_zero_couplings_every_state_is_stable():
    model = IsingModel(np.zeros((5, 5)))
    assert count_one_flip_stable(model) == 32
    assert len(one_flip_stable_states(model).states) == 16


def test_strong_fields_single_state():
    model = sk(8, seed=1).with_fields(np.full(8, -10.0))
    res = one_flip_stable_states(model)
    assert res.count == 1 and not res.paired
    np.testing.assert_array_equal(res.states[0], -np.ones(8))


@pytest.mark.parametrize("seed", range(4))
def test_ground_state_is_the_lowest_stable_state(seed):
    model = sk(12, seed=seed).with_fields(0.3 * (seed % 2))
    energies, _ = ising_levels(model)
    res = one_flip_stable_states(model)
    assert res.energies[0] == pytest.approx(energies.min(), abs=1e-9)
    k = int(np.argmin(energies))
    ground = tuple(1 - 2 * ((k >> np.arange(12)) & 1))
    assert ground in expand_pairs(res)


def test_refuses_too_many_spins_wrong_model_and_too_many_states():
    big = IsingModel(np.zeros((31, 31)))
    with pytest.raises(InputError, match="2\\^31"):
        count_one_flip_stable(big)
    with pytest.raises(InputError, match="n <= 30"):
        one_flip_stable_states(big)
    with pytest.raises(SpinscopeTypeError):
        count_one_flip_stable(PottsModel.from_graph(hypercubic((4,)), q=3))
    with pytest.raises(SpinscopeTypeError):
        one_flip_stable_states(np.zeros((4, 4)))
    with pytest.raises(InputError, match="max_states"):
        one_flip_stable_states(IsingModel(np.zeros((6, 6))), max_states=10)
    with pytest.raises(InputError, match="max_states"):
        one_flip_stable_states(sk(4, seed=0), max_states=0)


def test_complexity_constants():
    assert bray_moore_complexity() == pytest.approx(0.199228, abs=1e-6)
    assert round(bray_moore_complexity(), 4) == BRAY_MOORE_COMPLEXITY
    # n = 3: 2^3 * int Dw Phi(w)^3 = 8/4 = 2 exactly
    assert sk_log_mean_stable_count(3) == pytest.approx(np.log(2.0), abs=1e-9)
    # large n: Tanaka–Edwards 1.0505 exp(0.19923 n)
    assert sk_log_mean_stable_count(400) == pytest.approx(np.log(1.0505) + 400 * 0.199228, abs=2e-3)


# ---------------------------------------------------------------------------- slow: SK statistics
# Instances per N (fixed seeds). Cost ~ k 2^(N-1) N: about 25 s on one core in all.
SK_PLAN = {8: 1000, 10: 1000, 12: 1000, 14: 1000, 16: 1000, 18: 600, 20: 300, 22: 150, 24: 60}


def _weighted_slope(x, y, w):
    """Slope and intercept of the weighted least-squares line ``y = a x + b``."""
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    a = np.sum(w * (x - xm) * (y - ym)) / np.sum(w * (x - xm) ** 2)
    return a, ym - a * xm


def sk_growth(plan=SK_PLAN, seed=7):
    """Counts of stable states of Gaussian SK per N and the fit of ``ln <N_s> = a N + b``.

    Returns a dict: ``ns``, per-N ``means``, their relative standard errors ``rel_se``, the exact
    annealed ``ln <N_s>`` (``exact``), the mean ``ln N_s`` (``mean_log``), the fitted slope ``a``,
    intercept ``b``, bootstrap standard error ``se`` of ``a``, the same fit of the exact formula
    ``a_exact`` and the unweighted fit ``(a, b)`` of the mean log-count ``quenched``.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        counts = [np.array([count_one_flip_stable(sk(n, seed=s)) for s in
                            np.random.SeedSequence([seed, n]).spawn(k)], dtype=float)
                  for n, k in sorted(plan.items())]
    finally:
        numba.set_num_threads(before)
    ns = np.array(sorted(plan), dtype=float)
    exact = np.array([sk_log_mean_stable_count(int(n)) for n in ns])
    means = np.array([c.mean() for c in counts])
    rel_se = np.array([c.std(ddof=1) / np.sqrt(len(c)) for c in counts]) / means
    w = 1.0 / rel_se**2  # ln(mean) has standard error ~ relative error of the mean
    a, b = _weighted_slope(ns, np.log(means), w)
    rng = np.random.default_rng(1)
    boot = [_weighted_slope(ns, np.log([rng.choice(c, len(c)).mean() for c in counts]), w)[0]
            for _ in range(1000)]
    mean_log = np.array([np.log(c).mean() for c in counts])
    return {"ns": ns, "means": means, "rel_se": rel_se, "exact": exact, "mean_log": mean_log,
            "a": a, "b": b, "se": float(np.std(boot, ddof=1)),
            "a_exact": _weighted_slope(ns, exact, w)[0],
            "quenched": tuple(np.polyfit(ns, mean_log, 1))}


@pytest.mark.slow
def test_sk_number_of_stable_states_grows_as_bray_moore():
    """ln <N_s> of Gaussian SK, N = 8..24, against the Tanaka–Edwards / Bray–Moore complexity.

    Form of the fit: ``ln <N_s> = a N + b``. The exact finite-N annealed mean
    (:func:`sk_log_mean_stable_count`) is ``1.0505 exp(0.19923 N) (1 + O(1/N))``, so ``a N + b``
    misses only an O(1/N) term; its effect on the slope over these N (the *systematic
    allowance*) is computed by fitting the exact formula with the same weights. Statistical error:
    bootstrap over instances (within each N). Checks: (1) every per-N sample mean within 4
    standard errors of the exact annealed mean; (2) the fitted slope within 4 bootstrap errors of
    the exact formula's fitted slope; (3) the slope within 4 bootstrap errors + the systematic
    allowance of 0.1992. Run with ``-s`` to see the numbers.
    """
    r = sk_growth()
    z = (r["means"] - np.exp(r["exact"])) / (r["rel_se"] * r["means"])
    systematic = abs(r["a_exact"] - bray_moore_complexity())
    print(f"\nSK one-flip-stable states: ln<N_s> = a N + b, a = {r['a']:.4f} +- {r['se']:.4f} "
          f"(bootstrap), b = {r['b']:.3f}; exact annealed formula over the same N: a = "
          f"{r['a_exact']:.4f}; systematic allowance {systematic:.4f}; <ln N_s> slope "
          f"{r['quenched'][0]:.4f}, intercept {r['quenched'][1]:.3f}")
    for n, m, e, ml, zz in zip(r["ns"], r["means"], r["exact"], r["mean_log"], z):
        print(f"  N={int(n):2d}  <N_s>={m:8.2f}  exact {np.exp(e):8.2f}  z={zz:+.2f}  <ln N_s>={ml:.3f}")
    assert np.all(np.abs(z) < 4), dict(zip(r["ns"], np.round(z, 2)))
    assert abs(r["a"] - r["a_exact"]) < 4 * r["se"], r
    assert abs(r["a"] - BRAY_MOORE_COMPLEXITY) < 4 * r["se"] + systematic, r
