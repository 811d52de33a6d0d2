"""TensorFlow's tf.random (``import tensorflow as tf`` -> ``import minicnn as tf``).

``tf.random.set_seed`` is minicnn.set_seed: it seeds every draw minicnn makes
(weights, dropout, shuffling, augmentation, and the draws below), so two runs
repeat bit for bit. (Keras 3 needs keras.utils.set_random_seed for that; there
tf.random.set_seed alone leaves the initial weights unseeded.)
"""
import numpy as np

from minicnn.seeding import make_rng, set_seed
from minicnn.tape.tensor import Tensor


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    return Tensor(make_rng(seed).normal(mean, stddev, shape).astype(dtype))


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None, name=None):
    maxval = 1 if maxval is None else maxval
    rng = make_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return Tensor(rng.integers(minval, maxval, shape).astype(dtype))
    return Tensor(rng.uniform(minval, maxval, shape).astype(dtype))


def shuffle(value, seed=None, name=None):
    return Tensor(make_rng(seed).permutation(np.asarray(value)))


__all__ = ["set_seed", "normal", "uniform", "shuffle"]
