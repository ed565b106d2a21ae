"""One compute thread per process, for the workers of a pool or a Dask cluster (restored after)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["ONE_THREAD_ENV", "call_single_threaded", "single_threaded"]

#: Environment of worker processes that must use one thread each (set before they import anything).
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "NUMBA_NUM_THREADS": "1"}


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Within the block torch, numba and BLAS use one thread in this process (restored after).

    Parallel workers each run one of these, so ``N`` workers use ``N`` cores with no
    oversubscription. Small networks also train 10-20x faster with one torch thread than with
    two on a busy 2-core machine (measured: 5 epochs of 64-128-128-10 on digits, 0.4-0.5 s vs
    4-8 s), and the analysis then runs with the same thread settings as in the workers.
    """
    import threadpoolctl
    import torch

    old_torch = torch.get_num_threads()
    try:
        import numba

        old_numba = numba.get_num_threads()
    except ImportError:  # pragma: no cover
        numba, old_numba = None, None
    torch.set_num_threads(1)
    if numba is not None:
        numba.set_num_threads(1)
    try:
        with threadpoolctl.threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(old_torch)
        if numba is not None:
            numba.set_num_threads(old_numba)


def call_single_threaded(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` inside :func:`single_threaded` (a task for a Dask worker)."""
    with single_threaded():
        return fn(*args, **kwargs)
