"""Replica theory of the layered SK ensemble: exact identities and limits."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.meanfield import (
    layered_A,
    layered_tc,
    layered_tc_closed_form,
    replica_hessian_min_eig,
    sk_tc,
)
from spinscope.models import IsingModel


@pytest.mark.parametrize("L", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("N,sigma2", [(10, 0.1), (256, 1 / (3 * 256)), (1000, 2e-3)])
def test_general_formula_reduces_to_closed_form(L, N, sigma2):
    tc = layered_tc([N] * (L + 1), sigma2)
    assert abs(tc - layered_tc_closed_form(L, sigma2 * N)) < 1e-12


def test_matrix_A_entries():
    A = layered_A([4, 9, 16], [0.5, 0.25])
    expected = np.array([[0, 0.5 * 6, 0], [3, 0, 0.25 * 12], [0, 3, 0]])
    np.testing.assert_allclose(A, expected, rtol=0, atol=1e-15)


def test_tc_is_sqrt_largest_eigenvalue_of_A():
    sizes, var = [1000, 500, 500, 250], [1 / 3000, 1 / 1500, 1 / 1500]
    lam = np.linalg.eigvalsh(layered_A(sizes, var))[-1]
    assert abs(layered_tc(sizes, var) - np.sqrt(lam)) < 1e-12


def test_A_is_the_perron_matrix_of_squared_couplings():
    # With |W_ij| = sigma_k exactly, J∘J has constant blocks and lambda_max(J∘J) = lambda_max(A).
    rng = np.random.default_rng(0)
    sizes, var = [30, 20, 50, 10], [0.02, 0.05, 0.01]
    ws = [rng.choice([-1.0, 1.0], (sizes[k], sizes[k + 1])) * np.sqrt(var[k]) for k in range(3)]
    j = IsingModel.from_layers(ws).dense_couplings()
    lam = np.linalg.eigvalsh(j * j)[-1]
    assert abs(lam - layered_tc(sizes, var) ** 2) < 1e-12


def test_hessian_zero_at_tc_and_signs():
    sizes, var = [50, 80, 20], [0.01, 0.02]
    tc = layered_tc(sizes, var)
    assert abs(replica_hessian_min_eig(sizes, var, 1 / tc)) < 1e-12
    curve = replica_hessian_min_eig(sizes, var, [0.5 / tc, 2 / tc])
    assert curve[0] > 0 > curve[1]
    assert replica_hessian_min_eig(sizes, var, 0.0) == 1.0


def test_sk_limit():
    assert sk_tc() == 1.0 and sk_tc(2.5) == 2.5
    # Two equal layers (bipartite SK) with C = sigma^2 N: T_c = sqrt(C).
    assert abs(layered_tc([100, 100], 0.04) - 2.0) < 1e-12


@pytest.mark.parametrize("bad", [
    lambda: layered_tc([10], 0.1),
    lambda: layered_tc([10, 10, 10], [0.1]),
    lambda: layered_tc([10, 10], -1.0),
    lambda: layered_tc([10, 0], 0.1),
    lambda: layered_tc_closed_form(0, 1.0),
    lambda: layered_tc_closed_form(2, 0.0),
    lambda: replica_hessian_min_eig([10, 10], 0.1, [np.nan]),
    lambda: sk_tc(0),
])
def test_bad_input(bad):
    with pytest.raises(InputError):
        bad()
