"""What a weight read from a file must be, whatever the file's format: every reader
(.npz models and weights, Keras's .keras, .h5 and .weights.h5) passes each array it
read through here before anything is copied into a layer or an optimizer.

- a weight (a layer's parameter or state, an optimizer's slot): a real float array
  (float16, float32 or float64: no complex, integer, bool, compound or object
  data) of the shape the model expects, every value finite;
- the optimizer's step count, and a count a layer keeps (Keras's Normalization's
  samples seen, int64): one integer (an integer type, as Keras and minicnn write
  it) >= 0;
- a learning rate kept among the optimizer's variables (Keras's): one finite
  number > 0.

Each refusal is a ValueError naming the file (``source``) and the entry.
"""
import numpy as np

FLOAT_DTYPES = (np.float16, np.float32, np.float64)
MAX_STEP_COUNT = 2**62


def imported_weight(value, name, source, shape=None):
    """``value`` as a float array: a real float type, ``shape`` (when given), finite."""
    array = np.asarray(value)
    if array.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{source}: {name} has dtype {array.dtype}; a weight must be float16, "
                         f"float32 or float64 (real numbers)")
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"{source}: {name} has shape {array.shape}, the model expects "
                         f"{tuple(shape)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{source}: {name} holds non-finite values (NaN or infinity); a "
                         f"model's weights are finite")
    return array


def imported_step_count(value, name, source):
    """The optimizer's step count as an int: one integer in [0, 2**62)."""
    array = np.asarray(value)
    if array.shape not in ((), (1,)) or array.dtype.kind not in "iu":
        raise ValueError(f"{source}: {name} (the optimizer's step count) must be one integer, "
                         f"got an array of shape {array.shape} and dtype {array.dtype}")
    number = int(array.reshape(()))
    if not 0 <= number < MAX_STEP_COUNT:
        raise ValueError(f"{source}: {name} (the optimizer's step count) must be a count >= 0, "
                         f"got {number}")
    return number


def imported_count(value, name, source):
    """A count a layer keeps (Keras's Normalization: the samples seen) as an int: one
    integer in [0, 2**62)."""
    array = np.asarray(value)
    if array.shape not in ((), (1,)) or array.dtype.kind not in "iu":
        raise ValueError(f"{source}: {name} (a count) must be one integer, got an array of "
                         f"shape {array.shape} and dtype {array.dtype}")
    number = int(array.reshape(()))
    if not 0 <= number < MAX_STEP_COUNT:
        raise ValueError(f"{source}: {name} (a count) must be >= 0, got {number}")
    return number


def imported_learning_rate(value, name, source):
    """A learning rate kept as a variable: one finite number > 0."""
    array = np.asarray(value)
    if array.shape not in ((), (1,)) or array.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{source}: {name} (the learning rate) must be one float, got an "
                         f"array of shape {array.shape} and dtype {array.dtype}")
    number = float(array.reshape(()))
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{source}: {name} (the learning rate) must be a finite number > 0, "
                         f"got {number!r}")
    return number
