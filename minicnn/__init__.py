"""minicnn: a convolutional-network framework from scratch in NumPy and numba.

Tensors are NHWC (batch, height, width, channels), float32 by default.
"""
from minicnn import (activations, callbacks, gradcheck, layers, losses, metrics, optimizers,
                     preprocessing)
from minicnn.kernels import get_kernels, set_kernels
from minicnn.model import Sequential
from minicnn.saving import load_model
from minicnn.seeding import set_seed
from minicnn.threads import get_num_threads, set_num_threads

__version__ = "0.2.0"


def __getattr__(name):
    # minicnn.keras on first use, so that `import minicnn as tf; tf.keras...` works
    # and the teaching modules never load it
    if name in ("keras", "model_selection", "explain", "export"):
        import importlib
        return importlib.import_module(f"minicnn.{name}")
    raise AttributeError(f"module 'minicnn' has no attribute {name!r}")
__all__ = ["Sequential", "load_model", "set_seed", "set_kernels", "get_kernels",
           "set_num_threads", "get_num_threads", "layers",
           "losses", "optimizers", "callbacks", "metrics", "gradcheck", "activations", "preprocessing"]
