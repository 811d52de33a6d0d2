"""Keras's metrics that are the running mean of a per-sample value (MeanMetricWrapper):
top-k accuracies, errors, cross-entropies; their per-sample functions
(keras.metrics.sparse_top_k_categorical_accuracy, ...); Sum; and F1Score/FBetaScore.

    m = SparseTopKCategoricalAccuracy(k=5);  m.update_state(y, probs);  m.result()

y_true: class indices (N,) or one-hot rows (N, K), as the function needs; y_pred:
what the model outputs (probabilities for the accuracies)."""
import numpy as np

from minicnn.tape.tensor import Tensor, value_of
from minicnn.training.metrics import Mean, Streaming, _weights


def _arrays(y_true, y_pred):
    y_pred = np.asarray(value_of(y_pred), dtype=np.float64)
    return np.asarray(value_of(y_true)), y_pred


def _indices(y_true, y_pred):
    """Class indices from indices or one-hot rows (for y_pred's N rows)."""
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == y_pred.shape[-1] and y_pred.shape[-1] > 1:
        return y_true.argmax(axis=-1)
    return y_true.reshape(y_pred.shape[:-1]).astype(np.int64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the true class (an index) is among the k highest scores, else 0; tied
    scores at the boundary count as in (TensorFlow's in_top_k)."""
    y_true, y_pred = _arrays(y_true, y_pred)
    index = _indices(y_true, y_pred)
    target = np.take_along_axis(y_pred, index[..., None], axis=-1)
    return Tensor(((y_pred > target).sum(axis=-1) < k).astype(np.float32))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """As sparse_top_k_categorical_accuracy, the true class given as a one-hot row."""
    y_true, y_pred = _arrays(y_true, y_pred)
    return sparse_top_k_categorical_accuracy(y_true.argmax(axis=-1), y_pred, k)


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _arrays(y_true, y_pred)
    return Tensor((y_pred.argmax(axis=-1) == _indices(y_true, y_pred)).astype(np.float32))


def categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _arrays(y_true, y_pred)
    return Tensor((y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)).astype(np.float32))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = _arrays(y_true, y_pred)
    hits = (y_pred > threshold) == (y_true.reshape(y_pred.shape) > 0.5)
    return Tensor(hits.mean(axis=-1).astype(np.float32))


def _loss_function(name):
    """Keras's loss function of that name (compat/keras/losses.py: per-sample tensors)."""
    from minicnn.compat.keras import losses as keras_losses  # the functions live with Keras's names
    return getattr(keras_losses, name)


def mean_squared_error(y_true, y_pred):
    return _loss_function("mean_squared_error")(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    return _loss_function("mean_absolute_error")(y_true, y_pred)


class MeanMetricWrapper(Mean):
    """The running (weighted) mean of fn(y_true, y_pred, **kwargs), one value per sample."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = np.asarray(value_of(self.fn(y_true, y_pred, **self.kwargs)), dtype=np.float64)
        weights = _weights(sample_weight, len(values)) if values.ndim else None
        if weights is not None and values.ndim > 1:
            weights = np.broadcast_to(weights.reshape((-1,) + (1,) * (values.ndim - 1)),
                                      values.shape)
        super().update_state(values, weights)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self.kwargs}


def _wrapper(fn, default_name, **defaults):
    """A MeanMetricWrapper class over ``fn`` with its Keras name and defaults; Keras's
    order of arguments: the options (k=...) first, then name and dtype."""
    options = list(defaults)

    def __init__(self, *args, name=default_name, dtype=None, **kwargs):
        kwargs.update(zip(options, args[:len(options)]))
        rest = list(args[len(options):]) + [None, None]
        name, dtype = (rest[0] or name), (rest[1] or dtype)
        MeanMetricWrapper.__init__(self, fn, name, dtype, **{**defaults, **kwargs})
    return type("".join(part.title() for part in default_name.split("_")), (MeanMetricWrapper,),
                {"__init__": __init__, "name": default_name,
                 "__doc__": f"The running mean of {fn.__name__} (MeanMetricWrapper)."})


TopKCategoricalAccuracy = _wrapper(top_k_categorical_accuracy, "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper(sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper(mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper(mean_absolute_error, "mean_absolute_error")


def _crossentropy_metric(function):
    """The running mean of a cross-entropy's per-sample values (Keras's metric of it)."""
    def fn(y_true, y_pred, from_logits=False, **options):
        return _loss_function(function)(y_true, y_pred, from_logits=from_logits, **options)
    fn.__name__ = function
    return _wrapper(fn, function)


CategoricalCrossentropy = _crossentropy_metric("categorical_crossentropy")
SparseCategoricalCrossentropy = _crossentropy_metric("sparse_categorical_crossentropy")
BinaryCrossentropy = _crossentropy_metric("binary_crossentropy")


class RootMeanSquaredError(Mean):
    """sqrt of the running (weighted) mean of the squared errors over every value."""
    name = "root_mean_squared_error"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(value_of(y_pred), dtype=np.float64)
        y_true = np.asarray(value_of(y_true), dtype=np.float64).reshape(y_pred.shape)
        weights = np.broadcast_to(_weights(sample_weight, len(y_pred)).reshape(
            (-1,) + (1,) * (y_pred.ndim - 1)), y_pred.shape)
        super().update_state((y_pred - y_true) ** 2, weights)

    def value(self):
        return float(np.sqrt(super().value()))


class Sum(Streaming):
    """The running (weighted) sum of every value given."""
    name = "sum"

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(value_of(values), dtype=np.float64)
        weights = 1.0 if sample_weight is None else np.asarray(value_of(sample_weight), float)
        self.total += float((values * weights).sum())

    def value(self):
        return self.total

    def __call__(self, values, sample_weight=None):
        self.update_state(values, sample_weight)
        return self.result()


class FBetaScore(Streaming):
    """Keras's FBetaScore: per class, (1 + b^2) P R / (b^2 P + R) from the running true
    and false positives and false negatives; predictions are the row's argmax
    (threshold=None) or each score > threshold. average: None (one value per class),
    "micro" (the counts pooled), "macro" (the mean) or "weighted" (by support)."""
    name = "fbeta_score"

    def __init__(self, average=None, beta=1.0, threshold=None, name=None, dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: average must be None, 'micro', 'macro' "
                             f"or 'weighted', got {average!r}")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        super().__init__(name, dtype)

    def reset_state(self):
        self.tp = self.fp = self.fn = self.support = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _arrays(y_true, y_pred)
        y_true = y_true.reshape(y_pred.shape).astype(np.float64)
        if self.threshold is None:
            predicted = (y_pred == y_pred.max(axis=-1, keepdims=True)).astype(np.float64)
        else:
            predicted = (y_pred > self.threshold).astype(np.float64)
        w = _weights(sample_weight, len(y_pred))[:, None]
        self.tp = self.tp + (w * predicted * y_true).sum(axis=0)
        self.fp = self.fp + (w * predicted * (1 - y_true)).sum(axis=0)
        self.fn = self.fn + (w * (1 - predicted) * y_true).sum(axis=0)
        self.support = self.support + (w * y_true).sum(axis=0)

    def value(self):
        tp, fp, fn = (np.atleast_1d(np.asarray(c, dtype=np.float64)) for c in (self.tp, self.fp,
                                                                                self.fn))
        if self.average == "micro":
            tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        precision = np.divide(tp, tp + fp, out=np.zeros_like(tp * 1.0), where=(tp + fp) > 0)
        recall = np.divide(tp, tp + fn, out=np.zeros_like(tp * 1.0), where=(tp + fn) > 0)
        b2 = self.beta ** 2
        top, bottom = (1 + b2) * precision * recall, b2 * precision + recall
        score = np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)
        if self.average == "macro":
            return float(score.mean())
        if self.average == "weighted":
            support = np.asarray(self.support, dtype=np.float64)
            return float((score * support).sum() / support.sum()) if support.sum() else 0.0
        return float(score) if np.ndim(score) == 0 else score


class F1Score(FBetaScore):
    """FBetaScore with beta = 1: 2 P R / (P + R)."""
    name = "f1_score"

    def __init__(self, average=None, threshold=None, name=None, dtype=None):
        super().__init__(average, 1.0, threshold, name, dtype)


NAMES = {"top_k_categorical_accuracy": TopKCategoricalAccuracy,
         "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
         "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
         "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
         "root_mean_squared_error": RootMeanSquaredError,
         "rootmeansquarederror": RootMeanSquaredError,
         "categorical_crossentropy": CategoricalCrossentropy,
         "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
         "binary_crossentropy": BinaryCrossentropy, "f1_score": F1Score,
         "fbeta_score": FBetaScore}
