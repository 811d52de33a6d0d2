"""minicnn: a convolutional-network framework from scratch in NumPy and numba.

Tensors are NHWC (batch, height, width, channels), float32 by default.
"""
from minicnn import (activations, callbacks, gradcheck, layers, losses, metrics, optimizers,
                     preprocessing)
from minicnn.model import Sequential
from minicnn.models import clone_model, load_model
from minicnn.ops import get_ops, set_ops
from minicnn.parallel import get_num_threads, set_num_threads
from minicnn.seeding import set_seed

__version__ = "0.3.0"

# The names of set_ops and get_ops before 0.3 ("kernels", to a Keras user, are a
# convolution's weights; "numba" and "numpy" mean the same as before).
set_kernels, get_kernels = set_ops, get_ops


def __getattr__(name):
    # minicnn.keras on first use, so that `import minicnn as tf; tf.keras...` works
    # and the teaching modules never load it
    if name in ("keras", "model_selection", "explain", "export"):
        import importlib
        return importlib.import_module(f"minicnn.{name}")
    raise AttributeError(f"module 'minicnn' has no attribute {name!r}")


__all__ = ["Sequential", "load_model", "clone_model", "set_seed", "set_ops", "get_ops",
           "set_num_threads", "get_num_threads", "layers", "losses", "optimizers", "callbacks",
           "metrics", "gradcheck", "activations", "preprocessing"]
