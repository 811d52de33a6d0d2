"""Cross-entropy losses, fused with their activation so that they are exact and
stable for any logits: softmax cross-entropy (categorical) and sigmoid
cross-entropy (binary).

Which the loss receives: when the model's last layer ends in the loss's
``fused_activation``, the model hands over that layer's pre-activation (the
logits); otherwise the last layer's output itself is taken as the logits.
(Keras, with from_logits=False, would take such an output as probabilities;
minicnn keeps one rule, and ``from_logits`` is accepted for compatibility.)
"""
import numpy as np

from minicnn.activations import log_softmax, sigmoid, softmax
from minicnn.arguments import by_name


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against the targets.

    logits: (N, K). targets: class indices (N,), or one-hot / probability rows (N, K).
    sample_weight: optional (N,) weights w (1 by default), reduced as Keras does:
        loss = sum_n w[n] * l[n] / N,   l[n] = -sum_k t[n, k] * log_softmax(logits)[n, k]
    log_softmax subtracts the row maximum first, so logits of size 1e4 stay finite.
    backward() -> dL/dlogits = w[n] * (softmax(logits) * sum_k t[n, k] - t) / N,
    which is (p - onehot) / N for one-hot rows: the p(1 - p) chain never appears.
    """

    name = "softmax_cross_entropy"

    def __init__(self, from_logits=False, name=None):
        self.from_logits = bool(from_logits)
        self.name = name or self.name
    # The activation this loss absorbs: when the model's last layer ends in a
    # softmax, the model passes that layer's pre-activation (the logits) to
    # forward and this loss's gradient to the layer's backward_from_pre_activation.
    fused_activation = "softmax"

    def forward(self, logits, targets, sample_weight=None):
        logits = np.asarray(logits)
        if not np.issubdtype(logits.dtype, np.floating):
            logits = logits.astype(np.float64)
        if logits.ndim != 2:
            raise ValueError(f"SoftmaxCrossEntropy: expected logits of shape (N, K), "
                             f"got {logits.shape}")
        self.targets = self.as_rows(targets, logits.shape, logits.dtype)
        self.weights = as_sample_weight(sample_weight, len(logits), logits.dtype)
        self.log_probs = log_softmax(logits)
        per_sample = -(self.targets * self.log_probs).sum(axis=1)
        return float((per_sample * self.weights).sum() / len(logits))

    @staticmethod
    def probabilities(logits):
        return softmax(logits)

    def backward(self):
        probs = np.exp(self.log_probs)
        mass = self.targets.sum(axis=1, keepdims=True)
        return (probs * mass - self.targets) * (self.weights[:, None] / len(probs))

    @staticmethod
    def as_rows(targets, shape, dtype=np.float64):
        """Targets as (N, K) rows of the logits' dtype; class indices become one-hot."""
        targets = np.asarray(targets)
        n, k = shape
        if targets.ndim == 2 and targets.shape == (n, 1) and k > 1:
            targets = targets[:, 0]
        if targets.ndim == 1:
            if len(targets) != n:
                raise ValueError(f"SoftmaxCrossEntropy: {len(targets)} targets for {n} samples")
            index = targets.astype(np.int64)
            if np.any(index != targets) or np.any(index < 0) or np.any(index >= k):
                raise ValueError(f"SoftmaxCrossEntropy: class-index targets must be integers "
                                 f"in [0, {k}), got values from {targets.min()} to {targets.max()}")
            rows = np.zeros(shape, dtype=dtype)
            rows[np.arange(n), index] = 1
            return rows
        if targets.shape != tuple(shape):
            raise ValueError(f"SoftmaxCrossEntropy: expected targets of shape ({n},) or "
                             f"({n}, {k}), got {targets.shape}")
        return targets.astype(dtype, copy=False)


def as_sample_weight(sample_weight, n, dtype=np.float64):
    """Per-sample weights (n,) of the given dtype; ones when None."""
    if sample_weight is None:
        return np.ones(n, dtype=dtype)
    weights = np.asarray(sample_weight, dtype=dtype).reshape(-1)
    if len(weights) != n:
        raise ValueError(f"sample_weight has {len(weights)} values for {n} samples")
    return weights


def class_weight_to_sample_weights(y, class_weight):
    """Keras's rule: each sample weighs class_weight[its class] (1.0 for a class
    not listed); the class is the argmax of a one-hot row, or the index."""
    if not hasattr(class_weight, "items"):
        raise ValueError(f"class_weight must be a dict {{class index: weight}} or 'balanced', "
                         f"got {class_weight!r}")
    try:
        table = {int(k): float(v) for k, v in class_weight.items()}
    except (TypeError, ValueError):
        raise ValueError(f"class_weight must map class indices (ints) to weights, "
                         f"got {class_weight!r}") from None
    return np.array([table.get(int(k), 1.0) for k in _class_indices(y)], dtype=np.float64)


def _class_indices(y):
    """Keras's reading of targets for class weights: the argmax of one-hot rows,
    else the (rounded) index."""
    y = np.asarray(y)
    if y.ndim > 1:
        y = y.argmax(axis=-1) if y.shape[-1] != 1 else y[..., 0]
    return np.round(y).astype(np.int64)


def balanced_class_weight(labels, num_classes=None):
    """scikit-learn's "balanced" weights: n_samples / (n_classes * count of the
    class), for the classes present. Returns {class index: weight}."""
    labels = _class_indices(labels)
    counts = np.bincount(labels, minlength=num_classes or 0)
    present = np.flatnonzero(counts)
    return {int(k): len(labels) / (len(present) * counts[k]) for k in present}


class CategoricalCrossentropy(SoftmaxCrossEntropy):
    """Keras's name: targets as one-hot rows (class indices work too)."""
    name = "categorical_crossentropy"


class SparseCategoricalCrossentropy(SoftmaxCrossEntropy):
    """Keras's name: targets as class indices (one-hot rows work too)."""
    name = "sparse_categorical_crossentropy"


class BinaryCrossentropy:
    """Mean binary cross-entropy of sigmoid(logits) against 0/1 targets.

    logits: (N, K) (K = 1 for one yes/no output); targets: (N,) or (N, K).
        l = max(z, 0) - z * t + log(1 + exp(-|z|))      (= -t log p - (1 - t) log(1 - p))
        loss = sum_n w[n] * mean_k l[n, k] / N
    backward() -> dL/dz = w[n] * (sigmoid(z) - t) / (N * K): no p(1 - p) chain.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def __init__(self, from_logits=False, name=None):
        self.from_logits = bool(from_logits)
        self.name = name or self.name

    @staticmethod
    def probabilities(logits):
        return sigmoid(logits)

    def forward(self, logits, targets, sample_weight=None):
        z = np.asarray(logits)
        if not np.issubdtype(z.dtype, np.floating):
            z = z.astype(np.float64)
        if z.ndim == 1:
            z = z[:, None]
        targets = np.asarray(targets, dtype=z.dtype)
        if targets.size != z.size:
            raise ValueError(f"BinaryCrossentropy: expected {z.size} targets for outputs of "
                             f"shape {z.shape}, got shape {targets.shape}")
        self.z, self.targets = z, targets.reshape(z.shape)
        self.weights = as_sample_weight(sample_weight, len(z), z.dtype)
        per_element = np.maximum(z, 0) - z * self.targets + np.log1p(np.exp(-np.abs(z)))
        return float((per_element.mean(axis=1) * self.weights).sum() / len(z))

    def backward(self):
        n, k = self.z.shape
        return (sigmoid(self.z) - self.targets) * (self.weights[:, None] / (n * k))


LOSSES = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "binary_crossentropy": BinaryCrossentropy,
}


def get(loss):
    """A loss object from an object or a Keras name (any case)."""
    return by_name("loss", loss, LOSSES)
