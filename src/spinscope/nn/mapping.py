"""Feed-forward networks as layered Ising models (network → Hamiltonian).

Neurons are Ising spins ``s = ±1`` and weights are couplings. For weight matrices ``W^(k)`` of shape
``(N_k, N_{k+1})`` (layer ``k`` → ``k+1``) and biases ``b^(k+1)``:

    H(s) = -scale * [ sum_k sum_ij W^(k)_ij s^(k)_i s^(k+1)_j + sum_k b^(k+1) . s^(k+1) ]

i.e. the couplings *are* the weights (``scale = 1`` by default, so temperatures are in units of
the weights) and biases, optionally, are the fields of the non-input layers. The result is
:meth:`spinscope.models.IsingModel.from_layers`: sparse block structure, ``model.layers`` the
widths, ``model.layer_index()`` the layer of every spin.

Accepted inputs (:func:`network_to_model`):

* a ``torch.nn.Module`` whose parametrised leaf modules are ``Linear`` and ``Conv2d`` layers run in
  registration order (``nn.Sequential`` or any module written that way); parameter-free modules
  (activations, ``Flatten``, ``Dropout``) are skipped. ``Conv2d`` is unrolled into its sparse
  couplings when ``input_shape=(C, H, W)`` is given; supported: ``groups=1``, ``dilation=1``,
  ``padding_mode="zeros"``, integer/tuple stride and padding (not ``"same"`` strings).
  Any other module with parameters (BatchNorm, LayerNorm, Embedding, recurrent layers, ...) is
  rejected by name;
* a list of 2-D weight matrices: numpy arrays in ``(in, out)`` layout, torch tensors in torch's
  ``Linear.weight`` ``(out, in)`` layout (``layout=`` overrides);
* a mapping (``state_dict``): its 2-D ``*.weight`` entries in natural key order, ``*.bias`` as
  biases, torch ``(out, in)`` layout; keys under ``model.`` only when present (spinscope checkpoints);
* a checkpoint path: a safetensors file, or a torch file read with ``torch.load(weights_only=True)``
  (a pickle of arbitrary objects is refused). The format is recognised from the file's first
  bytes, not its name; an empty, text, numpy, gzip, HDF5 or unrecognised file is refused with a
  message saying what it is and what is expected (:func:`load_weights_file`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import check_finite, check_memory, check_positive
from spinscope.errors import DataFileError, InputError, SpinscopeTypeError
from spinscope.models import IsingModel
from spinscope.nn._memory import analysis_memory

__all__ = ["extract_layers", "load_weights_file", "network_to_model"]

_LAYOUTS = ("auto", "in_out", "out_in")


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def _np(x: Any) -> np.ndarray:
    if _is_torch(x):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def _natural_key(s: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


_EXPECTED = ("expected a .safetensors file or a torch checkpoint of a state_dict "
             "(torch.save(model.state_dict(), path))")


def _sniff(head: bytes, size: int) -> tuple[str, str]:
    """The format of a file from its first bytes: ``(kind, description)``."""
    if size == 0:
        return "empty", "an empty file (0 bytes)"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip", "a zip archive"
    if len(head) > 8 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") <= size - 8:
        return "safetensors", "a safetensors file"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "pickle", "a Python pickle"
    for magic, kind, desc in ((b"\x93NUMPY", "npy", "a numpy .npy array file"),
                              (b"\x1f\x8b", "gzip", "a gzip-compressed file"),
                              (b"\x89HDF\r\n\x1a\n", "hdf5", "an HDF5 file (a Keras .h5 model?)")):
        if head.startswith(magic):
            return kind, desc
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.strip() and all(c.isprintable() or c in "\t\r\n" for c in text):
        first = text.strip().splitlines()[0][:40]
        return "text", f"a text file (it starts with {first!r})"
    return "binary", f"binary data of no format spinscope reads (first bytes {head[:8].hex(' ')})"


def load_weights_file(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a checkpoint file into ``{name: float64 array}`` without unpickling objects.

    The format is recognised from the file's first bytes (not its name): a safetensors file is
    read with safetensors; a torch checkpoint (a zip archive, or the legacy pickle format) with
    ``torch.load(weights_only=True)``, which refuses pickled code and arbitrary objects. Anything
    else (an empty file, text, a numpy or HDF5 file, random bytes) is refused with a message
    saying what the file is. The memory the float64 arrays need is checked before they are made.

    Raises
    ------
    DataFileError
        A missing, unreadable, damaged or non-weights file (the message says which).
    MemoryLimitError
        The weights would not fit in memory.
    """
    p = Path(path)
    if p.is_dir():
        raise DataFileError(f"weights file {str(p)!r} is a directory; give the .safetensors or .pt file inside it")
    if not p.is_file():
        raise DataFileError(f"weights file {str(p)!r} does not exist or is not a file")
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise DataFileError(f"cannot read weights file {str(p)!r}: {exc.strerror or exc}") from None
    kind, desc = _sniff(head, size)
    if kind == "safetensors":
        return _load_safetensors(p)
    if kind in ("zip", "pickle"):
        return _load_torch(p, kind, size)
    if p.suffix == ".safetensors":
        raise DataFileError(f"{str(p)!r} has the .safetensors suffix but is {desc}, not a safetensors file "
                            "(truncated or not a weights file?); " + _EXPECTED)
    raise DataFileError(f"{str(p)!r} is {desc}, not a weights file; " + _EXPECTED)


def _one_line(text: str, limit: int = 160) -> str:
    """The first informative line of a library's error message, without terminal escapes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return (lines[0] if lines else "no details")[:limit]


def _load_safetensors(p: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(p), framework="numpy") as fh:
            shapes = {k: fh.get_slice(k).get_shape() for k in fh.keys()}
            check_memory(8.0 * sum(int(np.prod(s)) for s in shapes.values()), f"reading the weights in {str(p)!r}")
            return {k: np.asarray(fh.get_tensor(k), dtype=np.float64) for k in shapes}
    except (OSError, SafetensorError, ValueError, TypeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise DataFileError(f"{str(p)!r} is a damaged safetensors file ({_one_line(exc)}); " + _EXPECTED) from None


def _load_torch(p: Path, kind: str, size: int) -> dict[str, np.ndarray]:
    """``torch.load(weights_only=True)`` of a zip (memory-mapped) or legacy pickle checkpoint."""
    import warnings

    import torch

    if kind == "pickle":  # the legacy format is read whole: up to 4x its size as float64 (fp16)
        check_memory(5.0 * size, f"reading {str(p)!r}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols: not the user's concern
            obj = torch.load(str(p), map_location="cpu", weights_only=True, mmap=kind == "zip")
    except Exception as exc:  # any failure of the weights-only reader means a bad file
        raise DataFileError(_torch_failure(p, kind, exc)) from None
    return _tensors_of(p, obj)


def _torch_failure(p: Path, kind: str, exc: Exception) -> str:
    """The message for a file ``torch.load(weights_only=True)`` could not read."""
    import pickle

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    glob = re.search(r"GLOBAL ([\w.]+)", text)
    if glob:
        return (f"{str(p)!r} is not a weights-only checkpoint: it pickles the Python object "
                f"{glob.group(1)} and spinscope does not unpickle arbitrary code; save model.state_dict() "
                "with torch.save, or use safetensors")
    op = re.search(r"WeightsUnpickler error:\s*(.+)", text, flags=re.S)
    if kind == "pickle" and isinstance(exc, pickle.UnpicklingError):
        why = _one_line(op.group(1)) if op else _one_line(text)
        return (f"{str(p)!r} is a Python pickle that is not a torch checkpoint of tensors (the weights-only "
                f"reader stops at: {why}); " + _EXPECTED)
    if kind == "zip" and "data.pkl" not in text and _is_npz(p):
        return f"{str(p)!r} is a numpy .npz archive, not a weights file; " + _EXPECTED
    what = "a zip archive" if kind == "zip" else "a pickle"
    detail = f"{type(exc).__name__}: {_one_line(text)}" if text.strip() else type(exc).__name__
    return (f"{str(p)!r} is {what} that cannot be read as a torch checkpoint ({detail}); it may be "
            "truncated or damaged; " + _EXPECTED)


def _is_npz(p: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return bool(names) and all(n.endswith(".npy") for n in names)


def _tensors_of(p: Path, obj: Any) -> dict[str, np.ndarray]:
    """The floating-point tensors of what ``torch.load`` returned, as float64 arrays."""
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if isinstance(obj, Mapping):
        found = {str(k): v for k, v in obj.items() if _is_torch(v) and v.is_floating_point()}
        if not found:
            raise DataFileError(f"{str(p)!r} holds no floating-point tensors; " + _EXPECTED)
    elif isinstance(obj, (list, tuple)) and obj and all(_is_torch(v) for v in obj):
        found = {f"{i}.weight": v for i, v in enumerate(obj)}
    else:
        raise DataFileError(f"{str(p)!r} holds a {type(obj).__name__}, not a state_dict of tensors; " + _EXPECTED)
    check_memory(8.0 * sum(int(v.numel()) for v in found.values()), f"reading the weights in {str(p)!r}")
    return {k: _np(v) for k, v in found.items()}


def _from_state_dict(sd: Mapping[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    keys = [str(k) for k in sd]
    if any(k.startswith("model.") for k in keys):
        sd = {k[len("model."):]: v for k, v in sd.items() if str(k).startswith("model.")}
        keys = list(sd)
    weights, biases = [], []
    for k in sorted((k for k in keys if k.endswith("weight")), key=_natural_key):
        w = _np(sd[k])
        if w.ndim == 4:
            raise InputError(
                f"state-dict entry {k!r} is a convolution kernel {w.shape}; its stride and padding are "
                "not stored in a state_dict: load it into the nn.Module and pass the module with "
                "input_shape=(C, H, W)"
            )
        if w.ndim != 2:
            raise InputError(
                f"state-dict entry {k!r} has shape {w.shape}: only Linear layers (2-D weights) are "
                "supported in a state_dict (normalisation/embedding layers are not couplings)"
            )
        weights.append(w.T)
        b = sd.get(k[: -len("weight")] + "bias")
        biases.append(None if b is None else _np(b))
    stray = [k for k in keys if not (k.endswith("weight") or k.endswith("bias"))]
    if stray:
        raise InputError(
            f"state dict entries {stray[:3]} are not weights or biases of Linear layers "
            "(unsupported layer, e.g. BatchNorm); remove them or pass the weights as a list"
        )
    if not weights:
        raise InputError("the state dict holds no '*.weight' matrices of Linear layers")
    return weights, biases


def _conv_matrix(conv, in_shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
    import torch
    import torch.nn.functional as F

    name = f"Conv2d{tuple(conv.weight.shape)}"
    if conv.groups != 1 or tuple(conv.dilation) != (1, 1) or conv.padding_mode != "zeros" \
            or isinstance(conv.padding, str):
        raise InputError(
            f"{name}: only groups=1, dilation=1, padding_mode='zeros' and numeric padding are "
            f"supported (got groups={conv.groups}, dilation={conv.dilation}, "
            f"padding={conv.padding!r}, padding_mode={conv.padding_mode!r})"
        )
    c, h, w = in_shape
    if c != conv.in_channels:
        raise InputError(f"{name} expects {conv.in_channels} input channels but receives {c}")
    n_in = c * h * w
    check_memory(8.0 * n_in * n_in * conv.out_channels, f"unrolling {name} on a {in_shape} input")
    eye = torch.eye(n_in, dtype=torch.float64).reshape(n_in, c, h, w)
    with torch.no_grad():
        out = F.conv2d(eye, conv.weight.detach().cpu().double(), None, conv.stride, conv.padding)
    out_shape = tuple(int(x) for x in out.shape[1:])
    mat = out.reshape(n_in, -1).numpy()
    b = conv.bias.detach().cpu().double().numpy() if conv.bias is not None else np.zeros(conv.out_channels)
    return mat, np.repeat(b, out_shape[1] * out_shape[2]), out_shape


def _from_module(module, input_shape) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    from torch import nn

    weights, biases = [], []
    shape: tuple[int, ...] | None = tuple(input_shape) if input_shape is not None else None
    for name, mod in module.named_modules():
        if any(True for _ in mod.children()):
            continue
        own = list(mod.parameters(recurse=False)) + list(mod.buffers(recurse=False))
        label = f"{name or 'module'} ({type(mod).__name__})"
        if isinstance(mod, nn.Linear):
            if shape is not None and int(np.prod(shape)) != mod.in_features:
                raise InputError(f"layer {label} expects {mod.in_features} inputs but the previous "
                                 f"layer gives {int(np.prod(shape))}")
            weights.append(_np(mod.weight).T)
            biases.append(None if mod.bias is None else _np(mod.bias))
            shape = (mod.out_features,)
        elif isinstance(mod, nn.Conv2d):
            if shape is None or len(shape) != 3:
                raise InputError(f"layer {label}: unrolling a convolution needs input_shape=(C, H, W) "
                                 f"of its input (got {shape})")
            mat, b, shape = _conv_matrix(mod, shape)  # type: ignore[arg-type]
            weights.append(mat)
            biases.append(b)
        elif own:
            raise InputError(
                f"unsupported layer {label}: only Linear and Conv2d layers (plus parameter-free "
                "activations, Flatten, Dropout) map to spin couplings"
            )
        elif isinstance(mod, (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d,
                              nn.Upsample)):
            raise InputError(f"unsupported layer {label}: pooling/resampling layers have no couplings; "
                             "analyse the fully connected part separately")
    if not weights:
        raise InputError(f"the module {type(module).__name__} has no Linear or Conv2d layers")
    return weights, biases


def extract_layers(obj: Any, *, layout: str = "auto", input_shape: Sequence[int] | None = None
                   ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Weight matrices ``(N_k, N_{k+1})`` and biases of a network, module, list, dict or file.

    See the module docstring for the accepted inputs; returns float64 numpy arrays.
    """
    if layout not in _LAYOUTS:
        raise InputError(f"layout must be one of {_LAYOUTS}, got {layout!r}")
    if isinstance(obj, (str, os.PathLike)):
        return _from_state_dict(load_weights_file(obj))
    try:
        from torch import nn

        if isinstance(obj, nn.Module):
            return _from_module(obj, input_shape)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(obj, Mapping):
        return _from_state_dict(obj)
    if isinstance(obj, (list, tuple)):
        weights = []
        for k, w in enumerate(obj):
            torch_like = _is_torch(w)
            a = _np(w)
            if a.ndim != 2:
                raise InputError(f"weights[{k}] must be a 2-D matrix, got shape {a.shape}")
            transpose = layout == "out_in" or (layout == "auto" and torch_like)
            weights.append(a.T if transpose else a)
        if not weights:
            raise InputError("the list of weight matrices is empty")
        return weights, [None] * len(weights)
    raise SpinscopeTypeError(
        f"cannot map a {type(obj).__name__} to a spin model: pass a torch nn.Module, a list of weight "
        "matrices, a state_dict or the path of a .safetensors / torch checkpoint"
    )


def network_to_model(obj: Any, *, biases: bool = True, layout: str = "auto", scale: float = 1.0,
                     input_shape: Sequence[int] | None = None, name: str | None = None) -> IsingModel:
    """The layered Ising model of a feed-forward network.

    Parameters
    ----------
    obj : nn.Module, list of matrices, state dict, or path
        The network (see the module docstring for what is accepted).
    biases : bool
        Use the biases as fields of the non-input layers (else all fields are zero).
    layout : {"auto", "in_out", "out_in"}
        Layout of the matrices of a *list*: ``"auto"`` reads torch tensors as ``(out, in)`` (torch
        ``Linear.weight``) and numpy arrays as ``(in, out)``.
    scale : float
        Multiplies every coupling and field (default 1: couplings are the weights).
    input_shape : (C, H, W), optional
        Shape of the network input; needed to unroll ``Conv2d`` layers.
    name : str, optional

    Returns
    -------
    IsingModel
        ``n = sum_k N_k`` spins ordered layer by layer (input first), ``layers = (N_0, ..., N_L)``.

    Raises
    ------
    InputError
        Unsupported layers (named), NaN/inf weights, mismatched layer shapes, unreadable or
        non-weights-only checkpoints.
    """
    scale = check_positive(scale, "scale")
    weights, bs = extract_layers(obj, layout=layout, input_shape=input_shape)
    for k, w in enumerate(weights):
        check_finite(w, f"weights of layer {k} ({w.shape[0]}→{w.shape[1]})")
        if k and w.shape[0] != weights[k - 1].shape[1]:
            raise InputError(
                f"layer {k} has {w.shape[0]} inputs but layer {k - 1} has {weights[k - 1].shape[1]} "
                f"outputs (matrices are read as (in, out){'; pass layout=' + repr('out_in') if layout == 'auto' else ''})"
            )
    fields = None
    if biases:
        fields = []
        for k, b in enumerate(bs):
            if b is not None:
                check_finite(b, f"biases of layer {k + 1}")
                if b.shape != (weights[k].shape[1],):
                    raise InputError(f"bias of layer {k + 1} has shape {b.shape}, expected ({weights[k].shape[1]},)")
                b = b * scale
            fields.append(b)
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    check_memory(analysis_memory(sizes, stage="weights")["coupling matrix"],
                 f"building the coupling matrix of the {'-'.join(map(str, sizes))} network")
    return IsingModel.from_layers([w * scale for w in weights], fields,
                                  name=name or f"network-{'-'.join(map(str, sizes))}")
