"""Files spinscope writes: permissions from the umask on every route, atomic replacement, and
run directories that refuse damaged configurations with a message naming the file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from spinscope._files import atomic_write, check_output_path
from spinscope.errors import InputError, ResumeError
from spinscope.io import RunDirectory


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_writer_route_gets_its_mode_from_the_umask(tmp_path, umask):
    expected = 0o666 & ~umask                    # what open() gives: 0644 / 0600 / 0664
    atomic_write(tmp_path / "bytes.bin", b"\x00\x01")
    atomic_write(tmp_path / "text.txt", "hello")
    atomic_write(tmp_path / "writer.npy", lambda tmp: np.save(tmp, np.ones(3)), suffix=".npy")
    rd = RunDirectory.create(tmp_path / "run", command="simulate", config={"a": 1})
    rd.write_json("result.json", {"x": 1.0})
    rd.write_text("notes.txt", "n")
    rd.write_table("table.csv", [{"a": 1}])
    rd.save_arrays("state.safetensors", {"s": np.ones(4)}, {"k": 1})
    files = [tmp_path / n for n in ("bytes.bin", "text.txt", "writer.npy")]
    files += [rd.path / n for n in ("config.json", "result.json", "notes.txt", "table.csv", "state.safetensors")]
    for f in files:
        assert _mode(f) == expected, f"{f.name}: {oct(_mode(f))} != {oct(expected)}"
    assert _mode(rd.path) == 0o777 & ~umask
    # nothing temporary is left behind
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]


def test_replacing_a_file_keeps_the_umask_mode_not_the_old_one(tmp_path):
    old = os.umask(0o022)
    try:
        f = atomic_write(tmp_path / "f", b"1")
        os.chmod(f, 0o600)
        atomic_write(f, b"2", overwrite=True)
        assert _mode(f) == 0o644 and f.read_bytes() == b"2"
    finally:
        os.umask(old)


def test_existing_files_are_never_overwritten_and_the_message_names_the_flag(tmp_path):
    f = atomic_write(tmp_path / "keep.txt", "original")
    for call in (lambda: atomic_write(f, "new"), lambda: check_output_path(f)):
        with pytest.raises(InputError, match=r"already exists.*--overwrite.*overwrite=True"):
            call()
    assert f.read_text() == "original"


def test_a_failing_writer_leaves_nothing(tmp_path):
    def writer(tmp):
        Path(tmp).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "out.txt", writer)
    assert list(tmp_path.iterdir()) == []


def _run(tmp_path: Path) -> Path:
    return RunDirectory.create(tmp_path / "run", command="simulate", config={"sweeps": 10}).path


@pytest.mark.parametrize(("content", "match"), [
    (b"\xff\xfe\x00garbage\x80", r"config\.json is not text"),
    (b"{not json", r"config\.json is not valid JSON"),
    (b"[1, 2, 3]", r"config\.json is not the configuration of a spinscope run"),
    (b'{"format": "spinscope-run", "version": 1, "command": "simulate", "config": [1]}',
     "not the configuration of a spinscope run"),
    (b"", "is not valid JSON"),
])
def test_damaged_config_json_is_named_with_what_to_do(tmp_path, content, match):
    run = _run(tmp_path)
    (run / "config.json").write_bytes(content)
    with pytest.raises(ResumeError, match=match) as info:
        RunDirectory.resume(run, command="simulate")
    msg = str(info.value)
    assert str(run) in msg and "--out" in msg and "codec" not in msg and "\n" not in msg


def test_resume_of_missing_or_foreign_directories(tmp_path):
    with pytest.raises(ResumeError, match="no such directory"):
        RunDirectory.resume(tmp_path / "nothing", command="simulate")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ResumeError, match="it is a file"):
        RunDirectory.resume(tmp_path / "afile", command="simulate")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResumeError, match="not a spinscope run directory"):
        RunDirectory.resume(tmp_path / "empty", command="simulate")
    run = _run(tmp_path)
    with pytest.raises(ResumeError, match="spinscope simulate --resume"):
        RunDirectory.resume(run, command="track")


def test_damaged_checkpoint_and_json_files(tmp_path):
    run = RunDirectory.resume(_run(tmp_path), command="simulate")
    (run.path / "checkpoint.safetensors").write_bytes(b"\x00" * 7)
    with pytest.raises(ResumeError, match=r"checkpoint\.safetensors: it is damaged.*--out"):
        run.load_arrays("checkpoint.safetensors")
    (run.path / "result.json").write_bytes(b"\xff")
    with pytest.raises(ResumeError, match=r"result\.json"):
        run.read_json("result.json")
    assert json.loads((run.path / "config.json").read_text())["config"] == {"sweeps": 10}
