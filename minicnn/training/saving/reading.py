"""Reading model files, checked before anything is allocated.

The zip's directory first (member names, compression, every member's size
against the file's own size), then the architecture (checking.py), then every
member's .npy header (name, dtype, shape) against what the architecture
implies; only then is any weight read, and what is read must be finite floats.
Files are read with ``allow_pickle=False``: loading a model runs no code.
models.load_model reads through here and builds the model."""
import contextlib
import errno
import json
import math
import os
import zipfile
import zlib

import numpy as np

from minicnn.training.saving import importing
from minicnn.training.saving.checking import OPTIMIZER_PREFIX, WEIGHT_DTYPES, check_weights, checked_layers, compile_settings, expected_arrays, optimizer_slots
from minicnn.training.saving.writing import architecture, weight_arrays


# A compressed file (np.savez_compressed) may inflate to at most this many times
# its size on disk, plus 64 MiB: beyond that it is a zip bomb, not a model.
INFLATION = 100


INFLATION_FLOOR = 64 * 2**20


MODEL_FILE = "a minicnn model file"


def read_model_file(path):
    """(architecture dict, {"layer.key": weight}, {name: optimizer state array}) from a
    file written by save_model; ValueError naming the file for anything else."""
    path = os.fspath(path)
    with open_npz(path) as members:
        if "architecture" not in members.infos:
            raise ValueError(f"{path}: holds weights but no architecture (written by "
                             f"save_weights?); build the model and call load_weights instead")
        arch = members.read_architecture()
        try:
            layers, input_shape, _ = checked_layers(arch)
            params, state = expected_arrays(layers, input_shape)
        except ValueError as error:
            raise ValueError(f"{path}: not a valid minicnn model architecture ({error})") from None
        settings = compile_settings(arch, path)
        optimizer_state = expected_optimizer_state(settings, params, members, path)
        members.check_headers({**params, **state}, optimizer_state)
        weights = {name: members.read(name) for name in {**params, **state}}
        optimizer = {name[len(OPTIMIZER_PREFIX):]: members.read(name, integer=name.endswith(
            ":iterations")) for name in optimizer_state}
    return arch, weights, optimizer


def expected_optimizer_state(settings, params, members, path):
    """{member name: expected shape} of the optimizer's state in the file: required
    "optimizer:iterations", and per parameter either all of the optimizer's slots,
    each of the parameter's shape, or none. Reads no data."""
    names = sorted(n for n in members.infos if n.startswith(OPTIMIZER_PREFIX))
    if settings is None:
        return {name: None for name in names}  # check_headers refuses them: nothing to restore
    if not names:
        return {}
    expected = {OPTIMIZER_PREFIX + "iterations": ()}
    if OPTIMIZER_PREFIX + "iterations" not in members.infos:
        raise ValueError(f"{path}: the optimizer's state has no {OPTIMIZER_PREFIX}iterations "
                         f"(the step count); the file is damaged or was not written by minicnn")
    slots = optimizer_slots(settings[0])
    per_param = {}
    for name in names:
        if name == OPTIMIZER_PREFIX + "iterations":
            continue
        param, _, slot = name[len(OPTIMIZER_PREFIX):].rpartition("/")
        if param not in params or (slots is not None and slot not in slots):
            expected[name] = None  # refused by check_headers, naming it
            continue
        expected[name] = params[param]
        per_param.setdefault(param, set()).add(slot)
    if slots is not None:
        for param, have in per_param.items():
            if have != slots:
                raise ValueError(f"{path}: the optimizer's state for {param} has "
                                 f"{sorted(have)}, expected {sorted(slots)} "
                                 f"({type(settings[0]).__name__})")
    return expected


def load_weights(model, path):
    """Copy the weights of a file written by save or save_weights into a built model."""
    path = os.fspath(path)
    current = weight_arrays(model)
    with open_npz(path) as members:
        skipped = {name: None for name in members.infos
                   if name == "architecture" or name.startswith(OPTIMIZER_PREFIX)}
        members.check_headers({name: array.shape for name, array in current.items()}, {},
                              skip=skipped)
        arrays = {name: members.read(name) for name in current}
    set_weight_arrays(model, arrays, path)


def set_weight_arrays(model, arrays, source):
    """Copy arrays {"layer.key": array} into the model's layers; every name and
    shape must match, and every array be finite floats (importing.py), all checked
    before anything is copied."""
    expected = weight_arrays(model)
    check_weights(arrays, {name: param.shape for name, param in expected.items()}, source)
    values = {name: importing.imported_weight(arrays[name], name, source, param.shape)
              for name, param in expected.items()}
    for name, param in expected.items():
        param[...] = values[name]


@contextlib.contextmanager
def open_npz(path, what=MODEL_FILE):
    """The members of an .npz file (an NpzMembers), its zip directory checked;
    ``what`` the file should be, as errors name it (keras.datasets reads mnist.npz so)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no such model or weights file", path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file (a folder, a pipe or a device), "
                         f"not {what}")
    not_a_model = (f"{path}: not {what}" + (" (model.save and save_weights write .npz)"
                                            if what == MODEL_FILE else ""))
    with open(path, "rb") as file:
        start = file.read(6)
    if start == b"\x93NUMPY":
        raise ValueError(f"{path}: holds one NumPy array (.npy), not {what} (.npz)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ValueError(f"{not_a_model}: {error}") from None
    try:
        with archive:
            yield NpzMembers(path, archive, what)
    except (zipfile.BadZipFile, EOFError, zlib_error(), NotImplementedError) as error:
        raise ValueError(f"{not_a_model}: {error}") from None


def zlib_error():
    import zlib
    return zlib.error


class NpzMembers:
    """An .npz's arrays by name, checked from the zip directory and the .npy
    headers before any array is read."""

    def __init__(self, path, archive, what=MODEL_FILE):
        self.path, self.archive, self.what = path, archive, what
        size = os.path.getsize(path)
        self.infos, inflated = {}, 0
        for info in archive.infolist():
            where = f"{path}: member {info.filename!r}"
            if not info.filename.endswith(".npy") or info.is_dir():
                raise ValueError(f"{where} is not a NumPy array (.npy); not {what}")
            name = info.filename[:-4]
            if name in self.infos:
                raise ValueError(f"{where} appears twice; not {what}")
            if info.flag_bits & 0x1:
                raise ValueError(f"{where} is encrypted; not {what}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(f"{where} uses an unknown compression ({info.compress_type})")
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise ValueError(f"{where} claims {info.file_size} bytes but stores "
                                 f"{info.compress_size}; the file is damaged")
            if info.header_offset + info.compress_size > size:
                raise ValueError(f"{where} claims {info.compress_size} bytes, more than the "
                                 f"file holds ({size}); the file is truncated or damaged")
            inflated += info.file_size
            self.infos[name] = info
        if inflated > INFLATION * size + INFLATION_FLOOR:
            raise ValueError(f"{path}: its members would inflate to {inflated:,} bytes from "
                             f"{size:,} on disk; refused (a zip bomb, not {what})")
        self.headers = {}

    def header(self, name):
        """(shape, dtype) of a member from its .npy header alone, checked against
        the member's size in the zip directory."""
        if name not in self.headers:
            info = self.infos[name]
            where = f"{self.path}: {name}"
            with self.archive.open(info) as stream:
                try:
                    version = np.lib.format.read_magic(stream)
                    if version == (1, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
                    elif version == (2, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
                    else:
                        raise ValueError(f"format version {version} is not one minicnn writes")
                except (ValueError, SyntaxError, TypeError) as error:
                    raise ValueError(f"{where}: not a readable NumPy array ({error})") from None
                offset = stream.tell()
            if dtype.hasobject:
                raise ValueError(f"{where} holds Python objects (dtype {dtype}); minicnn reads "
                                 f"numbers only, and never unpickles")
            size = dtype.itemsize * math.prod(shape)
            if offset + size != info.file_size:
                raise ValueError(f"{where}: its header declares shape {shape} of {dtype} "
                                 f"({size:,} bytes) but the member holds "
                                 f"{info.file_size - offset:,}; the file is damaged")
            self.headers[name] = (tuple(shape), dtype)
        return self.headers[name]

    def check_headers(self, weights, optimizer, skip=()):
        """Every member is expected and has the expected shape and a float dtype
        (optimizer:iterations an integer scalar); ``skip``: members left unread."""
        expected = {**weights, **{k: v for k, v in optimizer.items() if v is not None}}
        names = set(self.infos) - {"architecture"} - set(skip)
        check_weights({name: self.header(name)[0] for name in names if name in expected}
                      | {name: () for name in names if name not in expected}, expected, self.path)
        for name in sorted(expected):
            shape, dtype = self.header(name)
            if name == OPTIMIZER_PREFIX + "iterations":
                if dtype.kind not in "iu":
                    raise ValueError(f"{self.path}: {name} must be an integer, got dtype {dtype}")
            elif dtype not in WEIGHT_DTYPES:
                raise ValueError(f"{self.path}: {name} has dtype {dtype}; a weight must be "
                                 f"float16, float32 or float64")
        for name in skip:
            self.header(name)

    def read_architecture(self):
        shape, dtype = self.header("architecture")
        if shape != () or dtype.kind != "U":
            raise ValueError(f"{self.path}: its architecture must be one string (JSON), got "
                             f"an array of shape {shape} and dtype {dtype}")
        try:
            return json.loads(str(self._read("architecture")))
        except RecursionError:
            raise ValueError(f"{self.path}: not a valid minicnn model architecture (JSON "
                             f"nested too deeply)") from None
        except ValueError as error:
            raise ValueError(f"{self.path}: not a valid minicnn model architecture "
                             f"({error})") from None

    def read(self, name, integer=False):
        """A member's array, after its header was checked, through the one import
        rule of every format (importing.py): finite floats, or a step count >= 0."""
        array = self._read(name)
        if integer:
            return np.int64(importing.imported_step_count(array, name, self.path))
        return importing.imported_weight(array, name, self.path)

    def read_array(self, name):
        """A member's array as stored (its header checked first: ``header``), without
        the weight rule ``read`` applies; keras.datasets' mnist.npz is read so."""
        self.header(name)
        return self._read(name)

    def _read(self, name):
        with self.archive.open(self.infos[name]) as stream:
            try:
                return np.lib.format.read_array(stream, allow_pickle=False)
            except ValueError as error:
                raise ValueError(f"{self.path}: {name}: {error}") from None
