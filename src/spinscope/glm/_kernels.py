"""numba kernels of the glm package (internal): the in-place fast Walsh-Hadamard transform."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, parallel=True)
def fwht_rows(a: np.ndarray) -> None:
    """Unnormalised Walsh-Hadamard transform of every row of ``a`` (R, 2^n), in place."""
    rows, n = a.shape
    for r in numba.prange(rows):
        h = 1
        while h < n:
            for i in range(0, n, 2 * h):
                for j in range(i, i + h):
                    x = a[r, j]
                    y = a[r, j + h]
                    a[r, j] = x + y
                    a[r, j + h] = x - y
            h *= 2
