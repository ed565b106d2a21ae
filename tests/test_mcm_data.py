"""Reading and validating binary data; bit packing (tests/test_mcm_data.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinscope.errors import DataFileError, InputError
from spinscope.mcm import BinaryData, as_binary_data, read_binary_data
from spinscope.mcm.data import as_bits, pack_bits, unpack_bits


def test_read_file_crlf_blank_lines_and_counts(tmp_path):
    f = tmp_path / "d.dat"
    f.write_bytes(b"101\r\n\r\n101\r\n000\n111  \n")
    d = read_binary_data(f)
    assert (d.n, d.N, d.m) == (3, 4, 3)
    rows = {"".join(map(str, r)): int(c) for r, c in zip(d.to_array(), d.counts)}
    assert rows == {"101": 2, "000": 1, "111": 1}
    # column i (left to right) is bit i of the packed state
    assert int(d.states[d.counts == 2][0, 0]) == 0b101


@pytest.mark.parametrize("content, where", [
    (b"0101\n011\n", "line 2"),
    (b"0101\n\n01a1\n", "line 3, column 3"),
    (b"0101\n0121\n", "line 2, column 3"),
])
def test_bad_files_name_the_line(tmp_path, content, where):
    f = tmp_path / "bad.dat"
    f.write_bytes(content)
    with pytest.raises(DataFileError, match=where):
        read_binary_data(f)


def test_empty_and_missing_files(tmp_path):
    f = tmp_path / "e.dat"
    f.write_text("\n\n")
    with pytest.raises(DataFileError, match="empty"):
        read_binary_data(f)
    with pytest.raises(DataFileError, match="does not exist"):
        read_binary_data(tmp_path / "nope.dat")


def test_array_encodings_agree():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, size=(200, 7))
    a = as_binary_data(bits)
    b = as_binary_data(1 - 2 * bits)  # s = (-1)**sigma
    c = as_binary_data(pd.DataFrame(bits.astype(bool)))
    d = as_binary_data(["".join(map(str, r)) for r in bits])
    for other in (b, c, d):
        assert np.array_equal(a.states, other.states) and np.array_equal(a.counts, other.counts)
    assert a.N == 200 and a.counts.sum() == 200


def test_bad_arrays():
    with pytest.raises(InputError, match=r"data\[0, 1\]"):
        as_bits(np.array([[0, 2], [1, 1]]))
    with pytest.raises(InputError, match="shape"):
        as_bits(np.zeros(5))
    with pytest.raises(InputError, match="encoding"):
        as_bits(np.zeros((2, 2)), encoding="bad")
    with pytest.raises(InputError):
        as_bits(np.array([[0, 1], [1, -1]]), encoding="01")


@pytest.mark.parametrize("n", [1, 63, 64, 65, 128, 130])
def test_pack_unpack_roundtrip(n):
    rng = np.random.default_rng(n)
    bits = rng.integers(0, 2, size=(50, n)).astype(np.uint8)
    packed = pack_bits(bits)
    assert packed.shape == (50, (n + 63) // 64) and packed.dtype == np.uint64
    assert np.array_equal(unpack_bits(packed, n), bits)
    d = BinaryData.from_bits(bits)
    assert np.array_equal(np.unique(d.to_array(expand=True), axis=0), np.unique(bits, axis=0))
    assert d.N == 50


def test_scotus_shape(shared_data):
    d = read_binary_data(shared_data / "mcm" / "SCOTUS_n9_N895.dat")
    assert (d.n, d.N) == (9, 895)


@pytest.mark.parametrize(("content", "match"), [
    (b"0101\n01 1\n", r"line 2, column 3: a space is not 0 or 1"),
    (b"0101\n01\t1\n", r"line 2, column 3: a tab is not 0 or 1"),
    (b"01,1\n0101\n", r"line 1, column 3: a comma ',' is not 0 or 1"),
    (b"0101\n0a11\n", r"line 2, column 2: character 'a' is not 0 or 1"),
    (b"0101\n01\xff1\n", r"not a text file of 0/1 strings: line 2 holds binary data \(byte 0xff\)"),
    (b"\x00\x01\x02\x03", r"line 1 holds binary data \(byte 0x00\)"),
])
def test_bad_characters_are_named_as_they_are(tmp_path, content, match):
    f = tmp_path / "d.dat"
    f.write_bytes(content)
    with pytest.raises(DataFileError, match=match) as info:
        read_binary_data(f)
    assert "Ġ" not in str(info.value)
