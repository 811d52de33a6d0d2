"""TensorFlow's tf.random.set_seed (``import tensorflow as tf`` -> ``import minicnn as tf``).

minicnn.set_seed under TensorFlow's name: it seeds every draw minicnn makes
(weights, dropout, shuffling, augmentation), so two runs repeat bit for bit.
(Keras 3 needs keras.utils.set_random_seed for that; there tf.random.set_seed
alone leaves the initial weights unseeded.)
"""
from minicnn.seeding import set_seed

__all__ = ["set_seed"]
