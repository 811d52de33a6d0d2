"""Cross-entropy losses, fused with their activation so that they are exact and
stable for any logits: softmax cross-entropy (categorical) and sigmoid
cross-entropy (binary).

What the loss reads, as Keras reads it:
- when the model's last layer ends in the loss's ``fused_activation``, the model
  hands over that layer's pre-activation (the logits): exact for any logits;
- otherwise, with ``from_logits=True``, the last layer's output, as logits;
- otherwise (``from_logits=False``, Keras's default) the output, as probabilities:
  softmax cross-entropy divides each row by its sum, and both clip to
  [1e-7, 1 - 1e-7], exactly as Keras (then a layer without softmax trains badly,
  as it does in Keras; compile warns).
"""
import copy
import warnings

import numpy as np

from minicnn.activations import log_softmax, sigmoid, softmax
from minicnn.arguments import by_name, check_number
from minicnn.tape import operations
from minicnn.tape.gradient_tape import GradientTape
from minicnn.tape.operations import operation
from minicnn.tape.tensor import Tensor, value_of

EPSILON = 1e-7  # Keras's clip for outputs read as probabilities


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against the targets.

    logits: (N, K). targets: class indices (N,), or one-hot / probability rows (N, K).
    sample_weight: optional (N,) weights w (1 by default), reduced as Keras does:
        loss = sum_n w[n] * l[n] / N,   l[n] = -sum_k t[n, k] * log_softmax(logits)[n, k]
    log_softmax subtracts the row maximum first, so logits of size 1e4 stay finite.
    backward() -> dL/dlogits = w[n] * (softmax(logits) * sum_k t[n, k] - t) / N,
    which is (p - onehot) / N for one-hot rows: the p(1 - p) chain never appears.

    forward(outputs, ..., from_logits=False) reads outputs as probabilities instead:
    q = outputs / (row sum), p = clip(q, 1e-7, 1 - 1e-7), l[n] = -sum_k t log p;
    backward then gives dL/doutputs = (g - sum_k g q) / (row sum) * w[n] / N with
    g = -t / p where q was not clipped (0 where it was). (The sparse loss clips
    first, then divides: see clip_first.)
    """

    name = "softmax_cross_entropy"
    # The activation this loss absorbs: when the model's last layer ends in a
    # softmax, the model passes that layer's pre-activation (the logits) to
    # forward and this loss's gradient to the layer's backward_from_pre_activation.
    fused_activation = "softmax"

    def __init__(self, from_logits=False, label_smoothing=0.0, name=None, **keras_only):
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number(type(self).__name__, "label_smoothing",
                                            label_smoothing, low=0, high=1)
        self.name = name or self.name

    def forward(self, values, targets, sample_weight=None, from_logits=True):
        """The loss of values (N, K): logits, or with from_logits=False probabilities.
        label_smoothing s: the target rows become t (1 - s) + s / K, as Keras's."""
        values = np.asarray(values)
        if not np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64)
        if values.ndim != 2:
            raise ValueError(f"{type(self).__name__}: expected outputs of shape (N, K), "
                             f"got {values.shape}" + (
                                 "; a Dense on images works on each pixel (as Keras's): add "
                                 "Flatten or GlobalAveragePooling2D before the last Dense"
                                 if values.ndim > 2 else ""))
        self.targets = self.as_rows(targets, values.shape, values.dtype)
        if self.label_smoothing:
            self.targets = (self.targets * (1 - self.label_smoothing)
                            + self.label_smoothing / values.shape[1]).astype(values.dtype)
        self.weights = as_sample_weight(sample_weight, len(values), values.dtype)
        self.read_logits = from_logits
        if from_logits:
            self.log_probs = log_p = log_softmax(values)
        elif self.clip_first:
            self.values = values
            self.clipped = np.clip(values, EPSILON, 1 - EPSILON)
            self.total = self.clipped.sum(axis=1, keepdims=True)
            log_p = np.log(self.clipped / self.total)
        else:
            self.total = values.sum(axis=1, keepdims=True)
            self.q = values / self.total
            self.p = np.clip(self.q, EPSILON, 1 - EPSILON)
            log_p = np.log(self.p)
        per_sample = -(self.targets * log_p).sum(axis=1)
        return float((per_sample * self.weights).sum() / len(values))

    # Keras reads probabilities in two orders: categorical cross-entropy divides each
    # row by its sum, then clips; the sparse one clips, then divides.
    clip_first = False

    def backward(self):
        """dL/d(what the last forward read): the logits, or the probabilities."""
        scale = self.weights[:, None] / len(self.targets)
        if self.read_logits:
            probs = np.exp(self.log_probs)
            mass = self.targets.sum(axis=1, keepdims=True)
            return (probs * mass - self.targets) * scale
        if self.clip_first:  # L = -sum t log c + (sum t) log (sum c),  c = clip(values)
            inside = (self.values >= EPSILON) & (self.values <= 1 - EPSILON)
            grad = -self.targets / self.clipped + self.targets.sum(axis=1, keepdims=True) / self.total
            return np.where(inside, grad, 0) * scale
        inside = (self.q >= EPSILON) & (self.q <= 1 - EPSILON)  # clip passes no gradient
        g = np.where(inside, -self.targets / self.p, 0)
        return (g - (g * self.q).sum(axis=1, keepdims=True)) / self.total * scale

    @staticmethod
    def probabilities(values, from_logits=True):
        """What the metrics see: softmax(logits), or the rows read as probabilities."""
        if from_logits:
            return softmax(values)
        return np.clip(values / values.sum(axis=-1, keepdims=True), EPSILON, 1 - EPSILON)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss of predictions y_pred (N, K), as Keras's ``loss_fn(y_true, y_pred)``:
        logits with from_logits=True, otherwise probabilities; a Tensor, one node on
        a recording tape (loss_call, below)."""
        return loss_call(y_pred, self, y_true, sample_weight)

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
                raise ValueError(f"the model's last layer gives {k} outputs per sample (one per "
                                 f"class), so class-index targets must be whole numbers from 0 "
                                 f"to {k - 1}; got values from {targets.min()} to "
                                 f"{targets.max()}")
            rows = np.zeros(shape, dtype=dtype)
            rows[np.arange(n), index] = 1
            return rows
        if targets.shape != tuple(shape):
            raise ValueError(f"the model's last layer gives {k} outputs per sample (one per "
                             f"class), so the targets must be class indices ({n},) or one-hot "
                             f"rows ({n}, {k}); got shape {targets.shape}"
                             + (f": {targets.shape[1]} classes, so give the last layer "
                                f"{targets.shape[1]} units" if targets.ndim == 2
                                and len(targets) == n else ""))
        return targets.astype(dtype, copy=False)


@operation()
def loss_call(y_pred, loss, y_true, sample_weight=None):
    """``loss(y_true, y_pred)`` as an operation a tape records: a copy of the loss
    runs its forward (so nothing a training step reads changes) and its backward,
    dL/dy_pred, is the node's rule."""
    values = y_pred if np.issubdtype(y_pred.dtype, np.floating) else y_pred.astype(np.float32)
    fresh = copy.copy(loss)
    value = fresh.forward(values, value_of(y_true), value_of(sample_weight), loss.from_logits)
    return (np.asarray(value, dtype=values.dtype),
            lambda g: (g * fresh.backward()).reshape(y_pred.shape).astype(values.dtype))


def as_sample_weight(sample_weight, n, dtype=np.float64):
    """Per-sample weights (n,) of the given dtype; ones when None. Weights must be
    finite and >= 0 (a negative weight would train the model away from its targets)."""
    if sample_weight is None:
        return np.ones(n, dtype=dtype)
    weights = np.asarray(sample_weight, dtype=dtype).reshape(-1)
    if len(weights) != n:
        raise ValueError(f"sample_weight has {len(weights)} values for {n} samples")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"sample_weight must be finite and >= 0, got values from "
                         f"{weights.min()} to {weights.max()}")
    return weights


def class_weight_to_sample_weights(y, class_weight):
    """Keras's rule: each sample weighs class_weight[its class] (1.0 for a class
    not listed); the class is the argmax of a one-hot row, or the index."""
    if not hasattr(class_weight, "items"):
        raise ValueError(f"class_weight must be a dict {{class index: weight}} or 'balanced', "
                         f"got {class_weight!r}")
    table = {}
    for key, weight in class_weight.items():
        try:
            index = int(key)
            if index != key and str(index) != str(key).strip():
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"class_weight must map class indices (ints >= 0) to weights; "
                             f"{key!r} is not a class index (class names work with a loader "
                             f"that has class_indices)") from None
        if (isinstance(weight, (bool, np.bool_)) or not isinstance(weight, (int, float, np.integer,
                                                                             np.floating))
                or not np.isfinite(weight) or weight < 0 or index < 0):
            raise ValueError(f"class_weight: class {key!r} has weight {weight!r}; class indices "
                             f"are ints >= 0 and weights finite numbers >= 0")
        table[index] = float(weight)
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
    """Keras's name: targets as class indices (one-hot rows work too). Outputs read
    as probabilities (from_logits=False) are clipped first, then divided by the
    row's sum, as Keras's sparse loss does."""
    name = "sparse_categorical_crossentropy"
    clip_first = True


class BinaryCrossentropy:
    """Mean binary cross-entropy of sigmoid(logits) against 0/1 targets.

    logits: (N, K) (K = 1 for one yes/no output); targets: (N,) or (N, K).
        l = max(z, 0) - z * t + log(1 + exp(-|z|))      (= -t log p - (1 - t) log(1 - p))
        loss = sum_n w[n] * mean_k l[n, k] / N
    backward() -> dL/dz = w[n] * (sigmoid(z) - t) / (N * K): no p(1 - p) chain.

    forward(outputs, ..., from_logits=False) reads outputs as probabilities:
    p = clip(outputs, 1e-7, 1 - 1e-7), l = -t log p - (1 - t) log(1 - p), and
    dL/doutputs = (p - t) / (p (1 - p)) * w[n] / (N * K) where not clipped.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def __init__(self, from_logits=False, label_smoothing=0.0, name=None, **keras_only):
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number(type(self).__name__, "label_smoothing",
                                            label_smoothing, low=0, high=1)
        self.name = name or self.name

    @staticmethod
    def probabilities(values, from_logits=True):
        return sigmoid(values) if from_logits else np.clip(values, EPSILON, 1 - EPSILON)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss of predictions y_pred, as Keras's ``loss_fn(y_true, y_pred)``: logits
        with from_logits=True, otherwise probabilities; a Tensor, one node on a
        recording tape (loss_call, below)."""
        return loss_call(y_pred, self, y_true, sample_weight)

    def forward(self, values, targets, sample_weight=None, from_logits=True):
        """The loss of values (N, K) or (N,): logits, or with from_logits=False probabilities."""
        z = np.asarray(values)
        if not np.issubdtype(z.dtype, np.floating):
            z = z.astype(np.float64)
        if z.ndim == 1:
            z = z[:, None]
        targets = np.asarray(targets, dtype=z.dtype)
        if targets.size != z.size:
            raise ValueError(f"BinaryCrossentropy: expected {z.size} targets for outputs of "
                             f"shape {z.shape}, got shape {targets.shape}")
        self.z, self.targets = z, targets.reshape(z.shape)
        if self.label_smoothing:  # t (1 - s) + s / 2, as Keras's
            self.targets = self.targets * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        self.weights = as_sample_weight(sample_weight, len(z), z.dtype)
        self.read_logits = from_logits
        if from_logits:
            per_element = np.maximum(z, 0) - z * self.targets + np.log1p(np.exp(-np.abs(z)))
        else:
            p = np.clip(z, EPSILON, 1 - EPSILON)
            per_element = -(self.targets * np.log(p) + (1 - self.targets) * np.log(1 - p))
        return float((per_element.mean(axis=1) * self.weights).sum() / len(z))

    def backward(self):
        """dL/d(what the last forward read): the logits, or the probabilities."""
        n, k = self.z.shape
        scale = self.weights[:, None] / (n * k)
        if self.read_logits:
            return (sigmoid(self.z) - self.targets) * scale
        p = np.clip(self.z, EPSILON, 1 - EPSILON)
        inside = (self.z >= EPSILON) & (self.z <= 1 - EPSILON)
        return np.where(inside, (p - self.targets) / (p * (1 - p)), 0) * scale


class MeanSquaredError:
    """Mean squared error, for outputs that are numbers rather than classes
    (regression, autoencoders): with d = y_pred - y_true (any shape (N, ...)),
        loss = sum_n w[n] * mean(d[n]**2) / N        (the mean over each sample's values)
    backward() -> dL/dy_pred = 2 * d * w[n] / (N * M), M the values per sample."""

    name = "mean_squared_error"
    fused_activation = None
    from_logits = False  # the outputs are read as they are

    def __init__(self, name=None, **keras_only):
        self.name = name or self.name

    def forward(self, values, targets, sample_weight=None, from_logits=False):
        values = np.asarray(values)
        if not np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64)
        targets = np.asarray(targets, dtype=values.dtype)
        if targets.size != values.size:
            raise ValueError(f"{type(self).__name__}: {targets.shape} targets for outputs of "
                             f"shape {values.shape}")
        self.d = values - targets.reshape(values.shape)
        self.weights = as_sample_weight(sample_weight, len(values), values.dtype)
        per_sample = self.error(self.d).reshape(len(values), -1).mean(axis=1)
        return float((per_sample * self.weights).sum() / len(values))

    @staticmethod
    def error(d):
        return d * d

    def slope(self, d):
        return 2 * d

    def backward(self):
        n, m = len(self.d), self.d[0].size
        scale = (self.weights / (n * m)).reshape((n,) + (1,) * (self.d.ndim - 1))
        return (self.slope(self.d) * scale).astype(self.d.dtype)

    @staticmethod
    def probabilities(values, from_logits=False):
        return values

    def __call__(self, y_true, y_pred, sample_weight=None):
        return loss_call(y_pred, self, y_true, sample_weight)


class MeanAbsoluteError(MeanSquaredError):
    """Mean absolute error: as MeanSquaredError with |d| for d**2; backward sign(d)."""
    name = "mean_absolute_error"

    @staticmethod
    def error(d):
        return np.abs(d)

    def slope(self, d):
        return np.sign(d)


class Loss:
    """A loss written as a function of tensors, Keras's way: a subclass defines
    ``call(y_true, y_pred)`` giving each sample's loss (compile(loss=f) wraps a plain
    function f so). Reduced as Keras reduces: sum(w * losses) / (their number).
    Its gradient comes from the tape: the backward rules of the operations ``call``
    used (tape/operations.py); no rule of its own."""

    fused_activation = None
    from_logits = False

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in ("sum_over_batch_size", "auto", None):
            raise ValueError(f"{type(self).__name__}: minicnn reduces losses to their mean "
                             f"(reduction='sum_over_batch_size'), got {reduction!r}")
        self.name = name or getattr(self, "name", None) or type(self).__name__

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__}.call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss, a Tensor a recording tape follows."""
        losses = self.call(y_true, y_pred)
        if sample_weight is not None:
            weights = np.asarray(value_of(sample_weight), dtype=np.asarray(value_of(y_pred)).dtype)
            losses = losses * weights.reshape(weights.shape + (1,) * (np.ndim(value_of(losses)) - 1))
        return operations.mean(losses)

    def forward(self, values, targets, sample_weight=None, from_logits=False):
        """The loss of values, its gradient kept for backward (by a tape of its own)."""
        predictions = Tensor(np.asarray(values))
        with GradientTape() as tape:
            tape.watch(predictions)
            loss = self(Tensor(np.asarray(targets)), predictions, sample_weight)
        self.gradient = tape.gradient(loss, predictions)
        self.gradient = (np.zeros_like(predictions.value) if self.gradient is None else
                         np.asarray(value_of(self.gradient)))
        return float(value_of(loss))

    def backward(self):
        return self.gradient

    @staticmethod
    def probabilities(values, from_logits=False):
        return values

    def get_config(self):
        return {"name": self.name}


class LossFunction(Loss):
    """compile(loss=f): a function f(y_true, y_pred) of tensors as a Loss."""

    def __init__(self, function, name=None):
        super().__init__(name or getattr(function, "__name__", "loss"))
        self.function = function

    def call(self, y_true, y_pred):
        return self.function(y_true, y_pred)


LOSSES = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}


def warn_if_outputs_read_as_probabilities(model, loss, layer=None):
    """A cross-entropy with from_logits=False on a last layer that does not end in
    its activation reads the outputs as probabilities, as Keras does: a classic
    slip (a Dense without softmax). Say so at compile time, naming the layer
    (``layer``: the output layer this loss is for, in a model of several outputs)."""
    fused = getattr(loss, "fused_activation", None)
    if fused is None or not model.layers or getattr(loss, "from_logits", False):
        return
    last = model.output_layer() if layer is None else layer
    if last.activation == fused:
        return
    rows = "each row divided by its sum, then " if fused == "softmax" else ""
    warnings.warn(
        f"{model.name}.compile: the {'last' if layer is None else 'output'} layer {last.name} "
        f"({type(last).__name__}) has no {fused}, and {loss.name} has from_logits=False, so "
        f"its outputs are read as probabilities ({rows}clipped to [1e-7, 1 - 1e-7]), as "
        f"Keras reads them. If they are scores (logits), give the loss from_logits=True, or "
        f"activation=\"{fused}\" to {last.name}.", UserWarning, stacklevel=4)


def get(loss):
    """A loss object from an object, a Keras name (any case), a loss class, or a
    function f(y_true, y_pred) of tensors (Keras's custom loss: LossFunction)."""
    if isinstance(loss, type):
        return loss()
    if callable(loss) and not hasattr(loss, "forward"):
        return LossFunction(loss)
    return by_name("loss", loss, LOSSES)


def check_targets(model, y, owner):
    """Targets ``y`` (an array) against the model's outputs and loss: a softmax
    cross-entropy takes one-hot rows of as many classes as the last layer has
    outputs, or indices below that; a binary cross-entropy values in [0, 1], one
    per output. The error names the last layer and both numbers."""
    shape = getattr(model, "per_sample_output_shape", None)
    if not getattr(model, "built", False) or model.loss is None or shape is None or len(shape) != 1:
        return
    y = np.asarray(y)
    if y.size == 0:
        return
    outputs, last = shape[0], model.output_layer()
    layer = f"{last.name} ({type(last).__name__})"
    if isinstance(model.loss, SoftmaxCrossEntropy):
        if y.ndim == 2 and y.shape[1] > 1:
            if y.shape[1] != outputs:
                raise ValueError(f"{owner}: the targets are one-hot rows of {y.shape[1]} classes, "
                                 f"but the model's last layer, {layer}, gives {outputs} "
                                 f"outputs; give it {y.shape[1]} units (one per class)")
            return
        index = y.reshape(len(y), -1)[:, 0] if y.ndim == 2 else y
        if y.ndim > 2 or np.any(index != np.round(index)) or index.min() < 0:
            raise ValueError(f"{owner}: the targets must be class indices (whole numbers >= 0) "
                             f"or one-hot rows; got shape {y.shape} with values from "
                             f"{y.min()} to {y.max()}")
        if index.max() >= outputs:
            raise ValueError(f"{owner}: the targets hold class index {int(index.max())} (so at "
                             f"least {int(index.max()) + 1} classes), but the model's last layer, "
                             f"{layer}, gives {outputs} outputs; give it one unit per class")
    elif isinstance(model.loss, BinaryCrossentropy):
        if y.size != len(y) * outputs:
            raise ValueError(f"{owner}: the targets have shape {y.shape}, but the model's last "
                             f"layer, {layer}, gives {outputs} outputs per sample (binary "
                             f"cross-entropy takes one 0/1 target per output)")
        if y.min() < 0 or y.max() > 1:
            raise ValueError(f"{owner}: binary cross-entropy takes targets in [0, 1], got "
                             f"values from {y.min()} to {y.max()}")
