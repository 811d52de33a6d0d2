"""TensorFlow's names a Keras lesson reaches through ``import minicnn as tf``:
``tf.keras``, ``tf.data``, ``tf.nn``, ``tf.random``, ``tf.expand_dims``, ...

minicnn's own ``__getattr__`` asks ``attribute(name)`` for any name it does not
define; a TensorFlow name minicnn lacks raises an AttributeError saying so and
naming the nearest minicnn way.
"""
import importlib

from minicnn import import_paths
from minicnn.compat.missing import missing_names
from minicnn.compat.tensorflow.functions import NAMES

HINTS = {
    "test": "minicnn runs on the CPU (no GPU to look for).",
    "lite": "minicnn exports ONNX (minicnn export MODEL OUT.onnx) rather than TFLite.",
    "saved_model": "model.save(\"x.keras\") writes a Keras file; minicnn has no SavedModel.",
    "distribute": "minicnn trains on one machine's CPU (minicnn.set_num_threads(n)).",
    "sparse": "minicnn's tensors are dense NumPy arrays.",
    "ragged": "minicnn's tensors are dense NumPy arrays: pad or resize to one shape.",
}
# tf.<module> for the modules beyond those minicnn's import paths name (import_paths.py)
SUBMODULES = {"linalg": "minicnn.compat.tensorflow.linalg",
              "summary": "minicnn.compat.tensorflow.summary"}
SMALL = ("dtypes", "version", "config", "io", "strings", "autodiff")  # modules.py
_missing = missing_names("tf", HINTS, ["keras", "random", "nn", "data", "math", "image",
                                       *SUBMODULES, *SMALL, *NAMES], kind="TensorFlow")


def attribute(name):
    """``minicnn.<name>`` for a name minicnn's __init__ does not define: a module
    listed in import_paths.py, a TensorFlow function, or an AttributeError that
    says what minicnn has instead."""
    if import_paths.resolve(f"minicnn.{name}") is not None:
        return importlib.import_module(f"minicnn.{name}")
    if name in SUBMODULES:
        return importlib.import_module(SUBMODULES[name])
    if name in SMALL:
        return getattr(importlib.import_module("minicnn.compat.tensorflow.modules"), name)
    if name in NAMES:
        return NAMES[name]
    return _missing(name)
