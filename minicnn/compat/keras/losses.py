"""keras.losses: the loss classes (minicnn/losses.py) and Keras's loss functions,
which give each sample's loss as a tensor (no reduction), composed of tape
operations so that a GradientTape differentiates them:

    per_sample = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)   # mean
"""
from minicnn import losses as core
from minicnn.compat.keras import ops
from minicnn.compat.missing import hint_each, missing_names
from minicnn.losses import (BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanAbsoluteError,
                            MeanSquaredError, SparseCategoricalCrossentropy)
from minicnn.losses import get as _get

EPSILON = core.EPSILON


def _smooth(y_true, label_smoothing, classes):
    return ops.add(ops.multiply(y_true, 1 - label_smoothing), label_smoothing / classes)


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)**2) over the last axis: one value per sample."""
    y_true = ops.cast(y_true, ops.convert_to_tensor(y_pred).dtype)
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true = ops.cast(y_true, ops.convert_to_tensor(y_pred).dtype)
    return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """The mean over ``axis`` of -t log p - (1 - t) log(1 - p) (p = sigmoid(y_pred) with
    from_logits), targets smoothed to t (1 - s) + s / 2."""
    y_true = ops.cast(y_true, ops.convert_to_tensor(y_pred).dtype)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, 2)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t log p) over ``axis``, p = softmax(y_pred) with from_logits, else the rows
    divided by their sums and clipped to [1e-7, 1 - 1e-7]."""
    y_true = ops.cast(y_true, ops.convert_to_tensor(y_pred).dtype)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, ops.shape(y_pred)[axis])
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """categorical_crossentropy with class indices for targets."""
    if ignore_class is not None:
        raise ValueError("sparse_categorical_crossentropy: minicnn has no ignore_class")
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy times (1 - p_t)**gamma, p_t the probability given to the true
    answer (easy examples weigh less); with apply_class_balancing, times alpha for
    positives and 1 - alpha for negatives. Keras's formula; mean over ``axis``."""
    y_true = ops.cast(y_true, ops.convert_to_tensor(y_pred).dtype)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, 2)
    p = ops.sigmoid(y_pred) if from_logits else y_pred
    bce = ops.binary_crossentropy(y_true, p)
    p_t = ops.add(ops.multiply(y_true, p), ops.multiply(ops.subtract(1, y_true),
                                                        ops.subtract(1, p)))
    focal = ops.multiply(ops.power(ops.subtract(1, p_t), gamma), bce)
    if apply_class_balancing:
        focal = ops.multiply(ops.add(ops.multiply(y_true, alpha),
                                     ops.multiply(ops.subtract(1, y_true), 1 - alpha)), focal)
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """-sum(alpha (1 - p)**gamma t log p) over ``axis`` (Keras's formula), p the rows
    (softmax with from_logits) divided by their sums and clipped."""
    y_true = ops.cast(y_true, ops.convert_to_tensor(y_pred).dtype)
    p = ops.softmax(y_pred, axis=axis) if from_logits else y_pred
    p = ops.clip(ops.divide(p, ops.sum(p, axis=axis, keepdims=True)), EPSILON, 1 - EPSILON)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, ops.shape(y_pred)[axis])
    cross = ops.negative(ops.multiply(y_true, ops.log(p)))
    weight = ops.multiply(ops.power(ops.subtract(1, p), gamma), alpha)
    return ops.sum(ops.multiply(weight, cross), axis=axis)


class BinaryFocalCrossentropy(Loss):
    """binary_focal_crossentropy as a loss object (its gradient from the tape)."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"apply_class_balancing": apply_class_balancing, "alpha": alpha,
                        "gamma": gamma, "from_logits": from_logits,
                        "label_smoothing": label_smoothing, "axis": axis}

    def call(self, y_true, y_pred):
        return binary_focal_crossentropy(y_true, y_pred, **self.options)

    def get_config(self):
        return {"name": self.name, **self.options}


class CategoricalFocalCrossentropy(Loss):
    """categorical_focal_crossentropy as a loss object (its gradient from the tape)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(name, reduction, dtype)
        self.options = {"alpha": alpha, "gamma": gamma, "from_logits": from_logits,
                        "label_smoothing": label_smoothing, "axis": axis}

    def call(self, y_true, y_pred):
        return categorical_focal_crossentropy(y_true, y_pred, **self.options)

    def get_config(self):
        return {"name": self.name, **self.options}


mse, mae, MSE, MAE = mean_squared_error, mean_absolute_error, mean_squared_error, mean_absolute_error

FUNCTIONS = {name: globals()[name] for name in (
    "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_focal_crossentropy",
    "categorical_focal_crossentropy")}
CLASSES = {cls.__name__: cls for cls in (
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, MeanSquaredError,
    MeanAbsoluteError, BinaryFocalCrossentropy, CategoricalFocalCrossentropy)}


def get(identifier):
    """A loss: an object as it is, a class name ("MeanSquaredError") as a new object, a
    function name ("mse", "mean_squared_error") as the function, as keras.losses.get."""
    if isinstance(identifier, str) and identifier in CLASSES:
        return CLASSES[identifier]()
    if isinstance(identifier, str) and identifier in {**FUNCTIONS, "mse": 0, "mae": 0}:
        return globals()[identifier]
    return _get(identifier)


__all__ = sorted([*CLASSES, *FUNCTIONS, "Loss", "get", "mse", "mae", "MSE", "MAE"])
HINTS = hint_each(
    ["MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh",
     "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "CosineSimilarity",
     "Tversky", "Dice", "CTC", "Circle"],
    "minicnn's losses are the cross-entropies (and their focal forms), MeanSquaredError and "
    "MeanAbsoluteError; any other is a function f(y_true, y_pred) of keras.ops given to "
    "compile(loss=f).")
__getattr__ = missing_names("keras.losses", HINTS, __all__)
