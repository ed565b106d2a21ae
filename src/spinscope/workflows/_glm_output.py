"""Files of a ``spinscope glm`` run directory: config, result JSON, theory CSV, figures, report."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_glm_run"]


def write_glm_run(path: Path, result) -> list[str]:
    """Write the run directory (atomically, file by file) and return the paths written."""
    from spinscope.io.rundir import RunDirectory
    from spinscope.report._figures import png_bytes
    from spinscope.report.glm_figures import glm_captions, glm_figure, trace_figure
    from spinscope.report.glm_report import render_glm_report

    rd = RunDirectory.create(path, command="glm", config=result.config)
    data = result.to_dict()
    files = [rd.path / "config.json", rd.write_json("result.json", data)]
    th = data["theory"]
    cols = ("alpha", "q", "q_amp", "mse", "mse_amp", "phi", "mutual_information", "conditional_entropy")
    lines = [",".join(cols)] + [",".join("" if th[c][i] is None else repr(th[c][i]) for c in cols)
                                for i in range(len(th["alpha"]))]
    files.append(rd.write_text("theory.csv", "\n".join(lines) + "\n"))
    figures = {"glm": png_bytes(glm_figure(data))}
    if data["trace"] is not None:
        figures["trace"] = png_bytes(trace_figure(data["trace"]))
    for name, png in figures.items():
        f = rd.file(f"{name}.png")
        _write_bytes(f, png)
        files.append(f)
    files.append(rd.write_text("report.html", render_glm_report(data, figures, glm_captions(data))))
    return [str(f) for f in files]


def _write_bytes(path: Path, data: bytes) -> None:
    from spinscope._files import atomic_write

    atomic_write(path, data, overwrite=True)
