"""keras.optimizers: SGD and Adam."""
from minicnn.optimizers import SGD, Adam

__all__ = ["SGD", "Adam"]
