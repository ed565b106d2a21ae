"""``spinscope hopfield``: the phase diagram of Hopfield networks and RBMs (RS theory + Monte Carlo)."""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]


def _range(text: str | None, name: str):
    """``a1:a2:n`` (inclusive) or a comma list, as floats (sign checks are the workflow's)."""
    from spinscope._validation import parse_number_list

    if text is None:
        return None
    examples = ("0.2,0.5", "0.05:1.5:60") if name == "--T" else ("0.02,0.05", "0.01:0.15:50")
    return parse_number_list(text, name, check=None, examples=examples)


@click.command(name="hopfield")
@click.option("--diagram/--no-diagram", default=True, show_default=True, help="Compute the RS phase diagram on the grid.")
@click.option("--alpha", "alpha", default=None, help="Loads P/N: start:stop:count or a list [0.002:0.16:60].")
@click.option("--T", "temperatures", default=None, help="Temperatures: start:stop:count or a list [0.05:1.5:60].")
@click.option("--prior-patterns", default="boolean", show_default=True,
              help="Pattern prior: boolean, gaussian or mixed:D (Gaussian fraction D in [0, 1]).")
@click.option("--prior-hidden", default="gaussian", show_default=True,
              help="Hidden-unit prior: gaussian, boolean or mixed:D (gaussian + boolean patterns = Hopfield).")
@click.option("--family", is_flag=True, help="Also the T_M(alpha) curves of several priors.")
@click.option("--mc", is_flag=True, help="Monte Carlo points at T_M -/+ --mc-offset on both sides of the line.")
@click.option("--N", "n", type=Count(min=16), default=4000, show_default=True, help="Neurons of the Monte Carlo networks.")
@click.option("--mc-alpha", default=None, help="Loads of the Monte Carlo points [0.02,0.05,0.1].")
@click.option("--mc-offset", type=float, default=0.08, show_default=True, help="Distance in T from T_M.")
@click.option("--per-point", "patterns_per_point", type=Count(min=1), default=3, show_default=True,
              help="Target patterns per Monte Carlo point (one chain each).")
@click.option("--sweeps", type=Count(min=10), default=300, show_default=True, help="Measured sweeps per chain.")
@click.option("--burn-in", type=Count(min=0), default=300, show_default=True, help="Burn-in sweeps per chain.")
@click.option("--patterns", "patterns_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Stored patterns for --mc (.npy, .csv or text, one per row); N and alpha = P/N from them.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run directory (new or empty): tables, figures, report.html.")
def command(diagram, alpha, temperatures, prior_patterns, prior_hidden, family, mc, n, mc_alpha, mc_offset,
            patterns_per_point, sweeps, burn_in, patterns_file, out) -> None:
    """Phase diagram of Hopfield networks / RBMs: paramagnet, spin glass, retrieval.

    Solves the replica-symmetric equations (AGS for Boolean patterns and Gaussian hidden units,
    the bipartite RBM equations otherwise), prints T_M, T_c, T_g and the check against AGS'
    numbers, and optionally runs Monte Carlo on both sides of T_M.
    """
    from spinscope.workflows.hopfield_study import hopfield

    opts = get_options()
    result = hopfield(alphas=_range(alpha, "--alpha"), temperatures=_range(temperatures, "--T"),
                      pattern_prior=prior_patterns, hidden_prior=prior_hidden, diagram=diagram,
                      family=family, mc=mc, N=n, mc_alphas=_range(mc_alpha, "--mc-alpha"),
                      mc_offset=mc_offset, patterns_per_point=patterns_per_point, sweeps=sweeps,
                      burn_in=burn_in, patterns=patterns_file, out=out, seed=opts.seed,
                      progress=opts.show_progress and not opts.json)
    emit(result.to_dict(), _text(result))


def _f(x) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def _text(result) -> str:
    ref = result.reference
    lines = [f"priors: patterns d = {result.config['pattern_prior']:g}, hidden d = "
             f"{result.config['hidden_prior']:g} (0 boolean, 1 gaussian); seed {result.seed}",
             f"T = 0 capacity alpha_c = {ref['alpha_c_T0']:.4f} (m = {ref['m_T0']:.4f}); T_M vs AGS: "
             f"largest difference {ref['max_abs_difference']:.4f}"]
    d = result.diagram
    if d is not None:
        lines.append(f"grid {d.alpha.size} x {d.T.size} in {result.timings['diagram_s']:.1f} s: {d.counts()}")
        lines.append("  alpha    T_M    T_c    T_g")
        step = max(1, d.alpha.size // 12)
        for row in d.lines()[::step]:
            lines.append(f"  {row['alpha']:.4f} {_f(row['T_M'])} {_f(row['T_c'])} {_f(row['T_g'])}")
    for p in result.mc_points:
        lines.append(f"MC alpha {p['alpha']:.3f} T {p['T']:.3f} ({p['side']}, N {p['N']}): m = {p['m']:.3f}"
                     f" ± {p['m_err']:.3f} -> {'retrieval' if p['retrieves'] else 'no retrieval'}"
                     f"{'' if p['agrees'] else '  (DISAGREES with RS)'}")
    if result.out:
        lines.append(f"written to {result.out} (report.html)")
    return "\n".join(lines)
