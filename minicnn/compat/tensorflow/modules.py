"""The smaller tf.* modules a program touches: tf.dtypes, tf.version, tf.config (minicnn
runs on the CPU), tf.io (files), tf.strings (the path handling of input pipelines) and
tf.autodiff (the tape)."""
import os
import types

import numpy as np

from minicnn.tape import GradientTape
from minicnn.tape.tensor import Tensor, value_of


def _text(value):
    value = value_of(value)
    value = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
    return value.decode() if isinstance(value, bytes) else str(value)


def _texts(values):
    array = np.asarray(value_of(values), dtype=object)
    return np.vectorize(_text, otypes=[object])(array) if array.ndim else _text(values)


dtypes = types.SimpleNamespace(
    float16=np.float16, float32=np.float32, float64=np.float64, double=np.float64,
    int8=np.int8, int16=np.int16, int32=np.int32, int64=np.int64, uint8=np.uint8, bool=np.bool_,
    string=np.str_, DType=np.dtype, as_dtype=np.dtype)

version = types.SimpleNamespace(VERSION="2.21.0", GIT_VERSION="minicnn",
                                COMPILER_VERSION="none")

config = types.SimpleNamespace(
    list_physical_devices=lambda device_type=None: (
        [types.SimpleNamespace(name="/physical_device:CPU:0", device_type="CPU")]
        if device_type in (None, "CPU") else []),
    list_logical_devices=lambda device_type=None: (
        [types.SimpleNamespace(name="/device:CPU:0", device_type="CPU")]
        if device_type in (None, "CPU") else []),
    set_visible_devices=lambda devices, device_type=None: None,
    run_functions_eagerly=lambda run_eagerly: None,
    functions_run_eagerly=lambda: True,
    experimental=types.SimpleNamespace(
        set_memory_growth=lambda device, enable: None,
        enable_op_determinism=lambda: None),
    threading=types.SimpleNamespace(
        set_intra_op_parallelism_threads=lambda n: __import__("minicnn").set_num_threads(
            max(int(n), 1)),
        set_inter_op_parallelism_threads=lambda n: None,
        get_intra_op_parallelism_threads=lambda: __import__("minicnn").get_num_threads()))


def read_file(filename, name=None):
    with open(_text(filename), "rb") as file:
        return Tensor(np.array(file.read(), dtype=object))


def write_file(filename, contents, name=None):
    with open(_text(filename), "wb") as file:
        data = value_of(contents)
        file.write(data.item() if isinstance(data, np.ndarray) else data)


io = types.SimpleNamespace(
    read_file=read_file, write_file=write_file,
    gfile=types.SimpleNamespace(exists=os.path.exists, listdir=os.listdir, makedirs=os.makedirs,
                                glob=lambda pattern: sorted(__import__("glob").glob(pattern)),
                                GFile=open),
    decode_image=lambda *a, **k: __import__(
        "minicnn.compat.tensorflow.image", fromlist=["x"]).decode_image(*a, **k),
    decode_png=lambda *a, **k: __import__(
        "minicnn.compat.tensorflow.image", fromlist=["x"]).decode_png(*a, **k),
    decode_jpeg=lambda *a, **k: __import__(
        "minicnn.compat.tensorflow.image", fromlist=["x"]).decode_jpeg(*a, **k))


def _split(source, sep=None, maxsplit=-1):
    array = _texts(source)
    if isinstance(array, str):
        return Tensor(np.array(array.split(sep, maxsplit), dtype=object))
    return [np.array(s.split(sep, maxsplit), dtype=object) for s in array.ravel()]


strings = types.SimpleNamespace(
    split=lambda input, sep=None, maxsplit=-1, name=None: _split(input, sep, maxsplit),
    join=lambda inputs, separator="", name=None: Tensor(np.array(
        separator.join(_text(i) for i in inputs), dtype=object)),
    lower=lambda input, encoding="", name=None: Tensor(np.array(_text(input).lower(), dtype=object)),
    upper=lambda input, encoding="", name=None: Tensor(np.array(_text(input).upper(), dtype=object)),
    length=lambda input, unit="BYTE", name=None: Tensor(np.array(len(_text(input)), np.int32)),
    to_number=lambda string_tensor, out_type=np.float32, name=None: Tensor(
        np.asarray(float(_text(string_tensor))).astype(out_type)),
    as_string=lambda input, **options: Tensor(np.array(str(np.asarray(value_of(input))),
                                                       dtype=object)),
    regex_full_match=lambda input, pattern, name=None: Tensor(np.array(
        __import__("re").fullmatch(pattern, _text(input)) is not None)),
    substr=lambda input, pos, len, unit="BYTE", name=None: Tensor(np.array(
        _text(input)[pos:pos + len], dtype=object)))

autodiff = types.SimpleNamespace(GradientTape=GradientTape)
