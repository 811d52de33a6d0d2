"""tf.data's names Keras tutorials use (``import tensorflow as tf`` -> ``import minicnn as tf``):
``tf.data.AUTOTUNE`` and ``tf.data.Dataset`` (from_tensor_slices, map, batch, shuffle,
cache, prefetch, take, unbatch, as_numpy_iterator), over NumPy arrays."""
from minicnn.preprocessing.dataset import AUTOTUNE, Dataset

UNKNOWN_CARDINALITY, INFINITE_CARDINALITY = -2, -1

__all__ = ["AUTOTUNE", "Dataset", "UNKNOWN_CARDINALITY", "INFINITE_CARDINALITY"]
