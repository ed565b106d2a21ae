"""At step 0 the pipeline's T_c of a random network agrees with the replica prediction (5%)."""

from __future__ import annotations

import pytest

from spinscope.io import RunDirectory
from spinscope.meanfield import layered_tc
from spinscope.nn.networks import build_network, init_variances
from spinscope.nn.track_analysis import analyze_checkpoint


@pytest.mark.parametrize("arch", [(64, 128, 128, 10), (784, 256, 256, 10)])
def test_step0_tc_matches_replica_theory(tmp_path, arch):
    # measured (seeds 0-2): deviations +1.7..+2.5% (digits net, N=330), +1.3..+1.6% (N=1306);
    # finite-size corrections of the touching minimum are O(N^-2/3). Threshold: 5%.
    rd = RunDirectory.create(tmp_path / "r", command="test", config={})
    theory = layered_tc(arch, init_variances(arch))
    net = build_network(arch, seed=11)
    path = rd.save_arrays("ck/step_00000000.safetensors", {f"model.{k}": v for k, v in net.state_dict().items()})
    res = analyze_checkpoint(path, seed=0, n_betas=60, tap_starts=4)
    assert res["crossing"] == "touch"  # a random bond matrix: lambda_min only touches zero
    assert abs(res["tc"] / theory - 1) < 0.05
    assert abs(res["replica_tc"] / theory - 1) < 0.05
