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


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    """Normal values, redrawn until within two standard deviations of the mean."""
    from minicnn.compat.keras.random import truncated_normal as draw
    return draw(shape, mean, stddev, dtype, seed)


def categorical(logits, num_samples, dtype=np.int64, seed=None, name=None):
    """num_samples class indices per row of logits, drawn with probabilities softmax(logits)."""
    from minicnn.compat.keras.random import categorical as draw
    return draw(logits, num_samples, dtype, seed)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=np.float32, name=None, alg=None):
    """normal() with a seed pair (its first number seeds the draw): the same pair, the same values."""
    return normal(shape, mean, stddev, dtype, int(np.ravel(seed)[0]))


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=np.float32, name=None, alg=None):
    return uniform(shape, minval, maxval, dtype, int(np.ravel(seed)[0]))


class Generator:
    """tf.random.Generator: a generator of its own (from_seed(n), or from minicnn's seed)."""

    def __init__(self, seed=None):
        self.rng = make_rng(seed)

    @classmethod
    def from_seed(cls, seed, alg=None):
        return cls(seed)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        return cls(int(np.random.SeedSequence().entropy % 2**32))

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        return Tensor(self.rng.normal(mean, stddev, shape).astype(dtype))

    def uniform(self, shape, minval=0, maxval=None, dtype=np.float32, name=None):
        maxval = 1 if maxval is None else maxval
        if np.dtype(dtype).kind in "iu":
            return Tensor(self.rng.integers(minval, maxval, shape).astype(dtype))
        return Tensor(self.rng.uniform(minval, maxval, shape).astype(dtype))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        return truncated_normal(shape, mean, stddev, dtype, int(self.rng.integers(2**31)))


_global = {"generator": None}


def get_global_generator():
    if _global["generator"] is None:
        _global["generator"] = Generator()
    return _global["generator"]


def set_global_generator(generator):
    _global["generator"] = generator


__all__ = ["set_seed", "normal", "uniform", "shuffle", "truncated_normal", "categorical",
           "stateless_normal", "stateless_uniform", "Generator", "get_global_generator",
           "set_global_generator"]
