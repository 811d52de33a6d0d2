"""TensorFlow's names a Keras lesson reaches through ``import minicnn as tf``:
``tf.keras``, ``tf.data``, ``tf.nn``, ``tf.random``, ``tf.expand_dims``, ...

minicnn's own ``__getattr__`` asks ``attribute(name)`` for any name it does not
define; a TensorFlow name minicnn lacks raises an AttributeError saying so and
naming the nearest minicnn way.
"""
import importlib

import numpy as np

from minicnn import import_paths
from minicnn.compat.missing import missing_names


def expand_dims(input, axis, name=None):
    """tf.expand_dims: the array with a new axis of size 1 at ``axis`` (np.expand_dims)."""
    return np.expand_dims(np.asarray(input), axis)


NAMES = {"expand_dims": expand_dims}

HINTS = {
    "GradientTape": "minicnn has no automatic differentiation: every layer has its backward "
                    "written out; model.compute_gradients(x, y) fills each layer's grads.",
    "function": "minicnn compiles nothing from Python functions (its kernels are numba's).",
    "Variable": "minicnn's weights are NumPy arrays: layer.get_weights() / set_weights().",
    "constant": "use NumPy arrays (np.asarray) wherever TensorFlow takes tensors.",
    "convert_to_tensor": "use NumPy arrays (np.asarray) wherever TensorFlow takes tensors.",
    "config": "minicnn runs on the CPU: minicnn.set_num_threads(n) sets its threads.",
    "test": "minicnn runs on the CPU (no GPU to look for).",
    "math": "use NumPy (np.argmax, np.exp, ...) on arrays.",
    "image": "minicnn.preprocessing.image_utils and ImageDataGenerator resize and augment images.",
    "io": "load_img / image_dataset_from_directory read image files.",
    "lite": "minicnn exports ONNX (minicnn export MODEL OUT.onnx) rather than TFLite.",
    "saved_model": "model.save(\"x.keras\") writes a Keras file; minicnn has no SavedModel.",
}
_missing = missing_names("tf", HINTS, ["keras", "random", "nn", "data", *NAMES], kind="TensorFlow")


def attribute(name):
    """``minicnn.<name>`` for a name minicnn's __init__ does not define: a module
    listed in import_paths.py, a TensorFlow function, or an AttributeError that
    says what minicnn has instead."""
    if import_paths.resolve(f"minicnn.{name}") is not None:
        return importlib.import_module(f"minicnn.{name}")
    if name in NAMES:
        return NAMES[name]
    return _missing(name)
