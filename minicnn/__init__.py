"""minicnn: a convolutional-network framework from scratch in NumPy and numba.

Tensors are NHWC (batch, height, width, channels), float32 by default.
"""
from minicnn import (activations, callbacks, gradcheck, layers, losses, metrics, optimizers,
                     preprocessing)
from minicnn.kernels import get_kernels, set_kernels
from minicnn.model import Sequential
from minicnn.saving import load_model
from minicnn.seeding import set_seed

__version__ = "0.1.0"
__all__ = ["Sequential", "load_model", "set_seed", "set_kernels", "get_kernels", "layers",
           "losses", "optimizers", "callbacks", "metrics", "gradcheck", "activations", "preprocessing"]
