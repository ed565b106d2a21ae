"""``spinscope glm``: Bayes-optimal inference in generalised linear models (replica theory,
state evolution, GAMP, exact posteriors) and the Gaussian-random-field model's all-or-nothing law."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]


@click.command(name="glm")
@click.option("--prior", default="rademacher", show_default=True,
              help="Signal prior: rademacher (±1), gaussian (N(0,1)), sparse (Gauss-Bernoulli, see --density).")
@click.option("--channel", default="sign", show_default=True,
              help="Output channel: sign, linear, relu, abs, or grf (Gaussian random field, needs --covariance).")
@click.option("--covariance", default=None, help="grf: covariance f(q) of the field, an expression in q (e.g. 'q**3').")
@click.option("--noise", type=float, default=None,
              help="Output noise variance (default 0 for sign, 0.01 for linear/relu/abs, 0.1 for grf).")
@click.option("--density", type=float, default=0.5, show_default=True, help="Non-zero fraction of the sparse prior.")
@click.option("--alpha", "alphas", default="0.05:3:60", show_default=True,
              help="Loads M/N: a1:a2:n (inclusive) or a comma list.")
@click.option("--N", "n", type=Count(min=2), default=2000, show_default=True, help="GAMP signal size.")
@click.option("--instances", type=Count(min=1), default=10, show_default=True, help="GAMP instances per load.")
@click.option("--amp", is_flag=True, help="Run GAMP at --amp-points loads and trace one against state evolution.")
@click.option("--amp-points", type=Count(min=1), default=8, show_default=True,
              help="Loads (evenly spread over --alpha) for GAMP and the exact posterior.")
@click.option("--iterations", type=Count(min=1), default=300, show_default=True, help="Most GAMP iterations.")
@click.option("--exact", is_flag=True, help="Exact posteriors by enumeration over {±1}^N (rademacher prior).")
@click.option("--exact-n", default="12,16", show_default=True, help="Sizes of the exact posteriors (each <= 20).")
@click.option("--exact-instances", type=Count(min=1), default=8, show_default=True, help="Exact instances per load.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run directory (new or empty): result.json, theory.csv, figures, report.html.")
def command(prior, channel, covariance, noise, density, alphas, n, instances, amp, amp_points, iterations,
            exact, exact_n, exact_instances, out) -> None:
    """Overlap, MSE and entropy against the load alpha = M/N: theory, GAMP points, exact points."""
    from spinscope.cli._common import parse_int_list
    from spinscope.workflows.glm_study import glm

    opts = get_options()
    result = glm(prior=prior, channel=channel, covariance=covariance, noise=noise, density=density,
                 alphas=alphas, n=n, instances=instances, amp=amp, amp_points=amp_points, iterations=iterations,
                 exact=exact, exact_n=parse_int_list(exact_n, "--exact-n"), exact_instances=exact_instances,
                 out=out, seed=opts.seed, progress=opts.show_progress)
    emit(result.to_dict(), _text(result))


def _text(result) -> str:
    cfg, th = result.config, result.thresholds
    lines = [f"prior {cfg['prior']['name']}, channel {cfg['channel']['name']} "
             f"(noise {cfg['channel']['noise']:g}), seed {result.seed}"]

    def fmt(v):
        return "none on the scanned loads" if v is None else f"{v:.4f}"
    lines.append(f"alpha_IT = {fmt(th['alpha_it'])}, alpha_alg = {fmt(th['alpha_alg'])}")
    if "all_or_nothing_load" in th:
        lines.append(f"all-or-nothing load (capacity) = {th['all_or_nothing_load']:.4f}; strictly nonlinear: "
                     f"{th['strictly_nonlinear']}")
    c = result.theory
    for i in np.unique(np.linspace(0, len(c.alpha) - 1, min(6, len(c.alpha))).astype(int)):
        lines.append(f"  alpha {c.alpha[i]:7.3f}: q = {c.q[i]:.4f} (GAMP branch {c.q_amp[i]:.4f}), mse {c.mse[i]:.4g}")
    for r in result.amp:
        lines.append(f"  GAMP alpha {r['alpha']:.3f}: overlap {r['overlap_median']:.4f} "
                     f"[{r['overlap_q25']:.4f}, {r['overlap_q75']:.4f}] vs SE {r['se_overlap']:.4f}")
    for r in result.exact:
        lines.append(f"  exact N={r['N']} alpha {r['alpha']:.3f}: overlap {r['overlap']:.4f}, "
                     f"entropy {r['entropy']:.4f}")
    if result.files:
        lines.append(f"written: {', '.join(result.files)}")
    return "\n".join(lines)
