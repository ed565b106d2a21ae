"""Reading and validating samples for inverse problems (tests/test_inverse_data.py)."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import DataFileError, InputError, SpinscopeTypeError
from spinscope.inverse import as_spin_data, read_spin_data


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_digit_strings_map_one_to_plus(tmp_path):
    d = read_spin_data(write(tmp_path, "a.txt", "0110\n\n# comment\n1010\r\n1111\n"))
    assert d.spins.dtype == np.int8 and d.q is None
    np.testing.assert_array_equal(d.spins, [[-1, 1, 1, -1], [1, -1, 1, -1], [1, 1, 1, 1]])
    np.testing.assert_allclose(d.weights, 1 / 3)
    assert d.constant_columns() == {2: 1}


def test_separated_pm1_csv_and_npy_agree(tmp_path):
    rows = np.array([[-1, 1, 1], [1, -1, 1], [1, 1, -1]], dtype=np.int8)
    txt = read_spin_data(write(tmp_path, "b.txt", "-1 1 +1\n1,-1\t1\n1 1 -1\n"))
    csv = read_spin_data(write(tmp_path, "b.csv", "s1,s2,s3\n-1,1,1\n1,-1,1\n1,1,-1\n"))
    np.save(tmp_path / "b.npy", rows.astype(np.float32))
    npy = read_spin_data(tmp_path / "b.npy")
    for d in (txt, csv, npy):
        np.testing.assert_array_equal(d.spins, rows)
    assert txt.constant_columns() == {}


def test_potts_columns(tmp_path):
    d = read_spin_data(write(tmp_path, "p.csv", "0,1,2\n2,2,1\n1,0,2\n"), q=3)
    np.testing.assert_array_equal(d.spins, [[0, 1, 2], [2, 2, 1], [1, 0, 2]])
    assert d.unseen_states() == {2: [0]}
    assert d.one_hot().shape == (3, 3, 3)
    with pytest.raises(DataFileError, match=r"line 2, column 1: 3 is not a state 0..2"):
        read_spin_data(write(tmp_path, "p2.txt", "012\n312\n"), q=3)


@pytest.mark.parametrize("text, match", [
    ("0110\n101\n", r"line 2: has 3 characters but line 1 has 4"),
    ("1 -1 1\n1 1\n", r"line 2: has 2 values but line 1 has 3"),
    ("0110\n0120\n", r"line 2, column 3: 2 is not 0 or 1"),
    ("-1 1 0\n1 1 1\n", r"line 1, column 3: 0 is not ±1 \(the data mix 0 and -1"),
    ("1 x 1\n1 1 1\n", r"line 1, value 2: 'x' is not a number"),
    ("0110\n", r"single configuration"),
    ("\n\n", r"is empty"),
])
def test_bad_text(tmp_path, text, match):
    with pytest.raises(DataFileError, match=match):
        read_spin_data(write(tmp_path, "bad.txt", text))


def test_bad_files(tmp_path):
    a = np.ones((4, 3))
    a[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", a)
    with pytest.raises(DataFileError, match=r"holds nan at row 2, column 1 \(0-based\)"):
        read_spin_data(tmp_path / "nan.npy")
    np.save(tmp_path / "obj.npy", np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(DataFileError, match="Python objects"):
        read_spin_data(tmp_path / "obj.npy")
    with pytest.raises(DataFileError, match="does not exist"):
        read_spin_data(tmp_path / "missing.txt")
    (tmp_path / "bin.txt").write_bytes(b"0101\n01\x0001\n")
    with pytest.raises(DataFileError, match=r"line 2: not text"):
        read_spin_data(tmp_path / "bin.txt")


def test_array_validation():
    with pytest.raises(InputError, match=r"row 1, column 0 \(0-based\): 3 is not a state 0..2"):
        as_spin_data([[0, 1], [3, 1]], q=3)
    with pytest.raises(SpinscopeTypeError, match="must hold numbers"):
        as_spin_data(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(InputError, match="shape \\(B, n\\)"):
        as_spin_data(np.ones(5))
    with pytest.raises(InputError, match="sample_weight must be finite"):
        as_spin_data([[1, -1], [-1, 1]], sample_weight=[1.0, -1.0])
    d = as_spin_data([[0, 1], [1, 1]], sample_weight=[1.0, 3.0], encoding="01")
    np.testing.assert_allclose(d.weights, [0.25, 0.75])
    assert d.effective_samples == pytest.approx(1 / (0.25**2 + 0.75**2))


def test_single_column_of_signed_spins(tmp_path):
    d = read_spin_data(write(tmp_path, "one.txt", "1\n-1\n-1\n"))
    np.testing.assert_array_equal(d.spins[:, 0], [1, -1, -1])
