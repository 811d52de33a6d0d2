"""minicnn: a convolutional-network framework from scratch in NumPy and numba.

Tensors are NHWC (batch, height, width, channels), float32 by default.

``import tensorflow as tf`` becomes ``import minicnn as tf`` in a Keras lesson:
so ``tf.keras``, ``tf.random.set_seed``, ``tf.nn.softmax``, ``tf.expand_dims``
and ``tf.data.AUTOTUNE`` are here too, and a TensorFlow name minicnn lacks says
so (missing.py).
"""
import numpy as np

from minicnn import (activations, callbacks, gradcheck, initializers, layers, losses, metrics,
                     optimizers, preprocessing, regularizers)
from minicnn.missing import missing_names
from minicnn.model import Sequential
from minicnn.models import clone_model, load_model
from minicnn.ops import get_ops, set_ops
from minicnn.parallel import get_num_threads, set_num_threads
from minicnn.seeding import set_seed

__version__ = "0.3.0"



def set_kernels(name):
    """The name of set_ops before minicnn 0.3 (to a Keras user, "kernels" are a
    convolution's weights); "numba" and "numpy" mean the same as before."""
    import warnings
    warnings.warn("minicnn.set_kernels is now minicnn.set_ops", DeprecationWarning, stacklevel=2)
    set_ops(name)


def get_kernels():
    """The name of get_ops before minicnn 0.3."""
    import warnings
    warnings.warn("minicnn.get_kernels is now minicnn.get_ops", DeprecationWarning, stacklevel=2)
    return get_ops()


def expand_dims(input, axis, name=None):
    """tf.expand_dims: the array with a new axis of size 1 at ``axis`` (np.expand_dims)."""
    return np.expand_dims(np.asarray(input), axis)


# Loaded on first use, so that `import minicnn as tf; tf.keras...` works and the
# teaching modules never load them.
SUBMODULES = {name: f"minicnn.{name}" for name in (
    "keras", "model_selection", "explain", "export", "random", "nn", "data", "utils", "datasets")}
TENSORFLOW_HINTS = {
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
__getattr__ = missing_names("tf", TENSORFLOW_HINTS,
                          ["keras", "random", "nn", "data", "expand_dims"], SUBMODULES,
                          kind="TensorFlow")


__all__ = ["Sequential", "load_model", "clone_model", "set_seed", "set_ops", "get_ops",
           "set_num_threads", "get_num_threads", "layers", "losses", "optimizers", "callbacks",
           "metrics", "gradcheck", "activations", "preprocessing", "initializers", "regularizers",
           "expand_dims"]
