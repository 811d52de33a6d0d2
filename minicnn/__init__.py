"""minicnn: a convolutional-network framework from scratch in NumPy and numba.

Tensors are NHWC (batch, height, width, channels), float32 by default.

The core a learner reads: tiny.py (all of it in one file), then sequential.py,
layers/, ops/, losses.py, optimizers.py, activations.py, gradcheck.py (the
README has the map). Around it: training/ (Keras's verbs), parallel/ (speed),
preprocessing/ (data), compat/ (Keras's, TensorFlow's and scikit-learn's names),
apps/ (the command line, the projects, reports, exercises).

``import tensorflow as tf`` becomes ``import minicnn as tf`` in a Keras lesson:
so ``tf.keras``, ``tf.random.set_seed``, ``tf.nn.softmax`` and ``tf.data`` are
here too (compat/tensorflow), and a TensorFlow name minicnn lacks says so.
"""
from minicnn import import_paths

import_paths.install()  # minicnn.keras, minicnn.metrics, ...: import_paths.py says where they live

from minicnn import (activations, gradcheck, initializers, layers, losses,  # noqa: E402
                     optimizers, preprocessing, regularizers)
from minicnn.ops import get_ops, set_ops  # noqa: E402
from minicnn.parallel import get_num_threads, set_num_threads  # noqa: E402
from minicnn.seeding import set_seed  # noqa: E402
from minicnn.training.models import clone_model, load_model  # noqa: E402
from minicnn.training.trainer import Sequential  # noqa: E402

__version__ = "0.4.0"


def __getattr__(name):
    """TensorFlow's names (tf.keras, tf.data, tf.expand_dims, ...), looked up on first
    use in compat/tensorflow, which explains the ones minicnn lacks."""
    from minicnn.compat import tensorflow
    return tensorflow.attribute(name)


__all__ = ["Sequential", "load_model", "clone_model", "set_seed", "set_ops", "get_ops",
           "set_num_threads", "get_num_threads", "layers", "losses", "optimizers", "activations",
           "gradcheck", "preprocessing", "initializers", "regularizers"]
