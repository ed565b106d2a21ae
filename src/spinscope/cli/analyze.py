"""``spinscope analyze``: a network (weights file or random ensemble) as a spin model.

Thin wrapper of :func:`spinscope.workflows.network_analysis`: parse the options, call it, format the result.
"""

from __future__ import annotations

import click
import numpy as np

from spinscope.cli._common import (
    Count,
    emit,
    get_options,
    parse_fractions,
    parse_int_list,
    parse_range,
)

__all__ = ["command"]


def _f(v) -> str:
    return "-" if v is None else f"{v:.5g}"


def _human(d: dict) -> str:
    lines = [f"network: layers {'-'.join(map(str, d['layers']))} (n = {d['n']} spins)"]
    if d.get("ensemble"):
        e = d["ensemble"]
        lines.append(f"random ensemble: init {e['init']}; replica T_c = {_f(e['replica_tc'])}")
    if d["tc"] is None:
        lines.append("T_c (TAP stability) = none [the paramagnet is stable at every temperature]")
    else:
        lines.append(f"T_c (TAP stability) = {_f(d['tc'])}  [{d['crossing']}; lambda_min at T_c = "
                     f"{d['lambda_min_at_tc']:.3g}]")
    lines.append(f"T_c (replica, same widths and mean-square weights) = {_f(d['replica_tc'])}")
    b, lam = np.asarray(d["betas"]), np.asarray(d["lambda_min"])
    if b.size:
        i = int(np.argmin(lam))
        lines.append(f"lambda_min(beta): {len(b)} points, beta in [{b[0]:.4g}, {b[-1]:.4g}]; "
                     f"min {lam[i]:.4g} at beta = {b[i]:.4g}; lambda_min(beta_max) = {lam[-1]:.4g}")
    lines += _spectrum_tap_lines(d)
    mc = d.get("mc_check")
    if mc:
        q = np.asarray(mc["q"])
        width = [float(np.sqrt(np.sum(q * q * np.asarray(mc[k])) * (q[1] - q[0]))) for k in ("p_q_below", "p_q_above")]
        lines.append(f"Monte Carlo (parallel tempering, {mc['sweeps']} sweeps): rms q = {width[0]:.3g} at "
                     f"T = {mc['temperatures'][0]:.4g}, {width[1]:.3g} at T = {mc['temperatures'][-1]:.4g}")
    for part, why in (d.get("skipped") or {}).items():
        lines.append(f"skipped {part}: {why}")
    if d.get("plots"):
        lines.append("plots: " + ", ".join(d["plots"]))
    return "\n".join(lines)


def _spectrum_tap_lines(d: dict) -> list[str]:
    lines = []
    s = d.get("spectrum")
    if s:
        out = ", ".join(f"{x:.4g}" for x in s["outliers"][:5])
        tail = "tail exponent -" if s["tail_exponent"] is None else (
            f"tail exponent {s['tail_exponent']:.3g} [{s['tail_exponent_ci'][0]:.3g}, {s['tail_exponent_ci'][1]:.3g}]")
        lines.append(f"spectrum: largest {s['largest_eigenvalue']:.5g}, bulk edge {s['bulk_edge']:.5g}, "
                     f"{s['n_outliers']} outliers{(' (' + out + ')') if out else ''}; {tail}")
    t = d.get("tap")
    if t:
        fe = t["free_energies"]
        fe_text = f"f = {min(fe):.6g}..{max(fe):.6g}; q_EA max {max(t['self_overlaps']):.4g}" if fe else "no solution"
        lines.append(f"TAP at T = {t['temperature']:.4g}: {t['n_solutions']} distinct solution(s) from "
                     f"{t['n_starts']} starts ({t['n_valid']} satisfy Plefka, {t['n_unconverged']} "
                     f"unconverged); {fe_text}; max |cos| with leading eigenvectors "
                     f"{_f(t.get('max_eigvec_overlap'))}")
    for c in d.get("tap_count") or []:
        rej = ", ".join(f"{k} {v}" for k, v in c["rejected"].items() if v)
        lines.append(f"TAP count at T = {c['temperature']:.4g} ({c['fraction']:g} T_c): {c['n_solutions']} "
                     f"physical solution(s) from {c['n_starts']} starts (estimated total "
                     f"{c['estimated_total']:.4g}); |cos| of the lowest with the top eigenvector "
                     f"{_f(c['direction_overlap'])}{'; rejected: ' + rej if rej else ''}")
    return lines


@click.command("analyze", context_settings={"show_default": True})
@click.argument("weights_file", required=False)
@click.option("--random", "random_sizes", default=None,
              help="Analyse a freshly initialised network with these widths instead, e.g. 784,256,256,10.")
@click.option("--init", type=click.Choice(["torch", "kaiming", "xavier", "normal"]), default="torch",
              help="Initialisation law of --random (torch: U(-1/sqrt(fan_in), 1/sqrt(fan_in))).")
@click.option("--betas", default=None,
              help="Inverse temperatures of the lambda_min curve: start:stop:count or a comma list "
                   "[default: 200 points up to twice the natural scale].")
@click.option("--n-betas", type=Count(min=3), default=200, help="Points of the default grid.")
@click.option("--tap-starts", type=Count(min=1), default=64, help="Random starts of the TAP solver.")
@click.option("--tap-beta", type=float, default=None, help="Inverse temperature of the TAP solutions [default: 1.25 beta_c].")
@click.option("--no-tap", is_flag=True, help="Skip the TAP solutions.")
@click.option("--tap-count", is_flag=True,
              help="Count the distinct physical TAP solutions (minima, Plefka-valid) at --tap-count-at.")
@click.option("--tap-count-at", default="0.5,0.01,0",
              help="Counting temperatures as fractions of T_c (comma list; 0 is T = 0: the one-flip-stable states).")
@click.option("--tap-count-starts", type=Count(min=1), default=256, help="Start budget of each count.")
@click.option("--no-spectrum", is_flag=True, help="Skip the spectrum of the bond matrix.")
@click.option("--no-biases", is_flag=True, help="Ignore the biases (zero fields).")
@click.option("--mc-check", is_flag=True,
              help="Also run parallel tempering and report P(q) below and above T_c (slow).")
@click.option("--mc-sweeps", type=Count(min=10), default=2000, help="Sweeps of --mc-check.")
@click.option("--out", metavar="DIR", default=None, help="Directory for the plots (PNG; created if missing).")
@click.option("--overwrite", is_flag=True, help="Allow --out to replace plots already there.")
def command(weights_file, random_sizes, init, betas, n_betas, tap_starts, tap_beta, no_tap, tap_count,
            tap_count_at, tap_count_starts, no_spectrum, no_biases, mc_check, mc_sweeps, out, overwrite) -> None:
    """Map a network to its layered spin Hamiltonian; report T_c, lambda_min(beta), spectrum, TAP.

    WEIGHTS_FILE is a .safetensors file or a torch checkpoint saved with torch.save(state_dict)
    (read with weights_only=True). Couplings are the weights; temperatures are in weight units.
    Parts that a small or degenerate network does not allow (T_c without couplings, the spectral
    tail fit with fewer than 12 eigenvalues) are skipped and listed under "skipped".
    """
    from spinscope.workflows.network_analysis import analyze

    opts = get_options()
    res = analyze(weights_file,
                  random=parse_int_list(random_sizes, "--random") if random_sizes is not None else None,
                  init=init, betas=parse_range(betas, "--betas", min_count=3) if betas is not None else None,
                  n_betas=n_betas, tap_starts=tap_starts, tap_beta=tap_beta, tap=not no_tap,
                  spectrum=not no_spectrum, biases=not no_biases, mc_check=mc_check, mc_sweeps=mc_sweeps,
                  out=out, overwrite=overwrite, seed=opts.seed, tap_count=tap_count,
                  tap_count_at=parse_fractions(tap_count_at, "--tap-count-at") if tap_count else (),
                  tap_count_starts=tap_count_starts, progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    emit(d, None if opts.quiet and opts.json else _human(d))
