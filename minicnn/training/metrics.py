"""Metrics as Keras computes them during fit: objects updated batch by batch.

Each metric keeps running sums, so a step costs O(batch) whatever the epoch's
length, and ``result()`` is ready at any step (the progress bar shows it):

    m = AUC();  m.update_state(y_true, y_pred);  ...;  m.result();  m.reset_state()

y_true: class indices (N,) or one-hot rows (N, K); y_pred: the model's
probabilities (N, K), or (N, 1) for a sigmoid output.
"""
import numpy as np

from minicnn.tape.tensor import Tensor, Variable, value_of


def as_labels(y):
    """Class indices from indices (N,) or one-hot / probability rows (N, K); a
    single column of probabilities (a sigmoid output) gives 0/1 at 0.5."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(len(y))
    if y.dtype.kind not in "biuf":
        return y  # labels as strings (scikit-learn's functions take them)
    if np.issubdtype(y.dtype, np.floating) and np.any((y > 0) & (y < 1)):
        return (y > 0.5).astype(np.int64)
    return y.astype(np.int64)


class Metric:
    """Keras's Metric: ``update_state`` batch by batch, ``result()`` at any time,
    ``reset_state()``. A subclass written Keras's way keeps its state in variables
    (``self.add_variable(shape, initializer="zeros")``) and defines ``result``;
    minicnn's own metrics (Streaming) keep running sums and define ``value``."""
    name = "metric"

    def __init__(self, name=None, dtype=None):
        self.name = name or self.name
        self.dtype = dtype or "float32"
        self._variables = []

    def reset_state(self):
        """Keras's default: every variable back to zeros."""
        for variable in self.variables:
            variable.assign(np.zeros_like(variable.value))

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError(f"{type(self).__name__}.update_state")

    def value(self):
        """The metric's current value, a number (an array for per-class metrics)."""
        result = np.asarray(value_of(self.result()), dtype=np.float64)
        return float(result) if result.ndim == 0 else result

    def result(self):
        """Keras's: the current value as a scalar tensor (``float(m.result())``,
        ``m.result().numpy()``)."""
        return Tensor(np.asarray(self.value(), dtype=np.float32))

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Keras's: update with one batch, then the current value."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    # -- Keras's variables, for a metric written with them -----------------------------------
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """A new variable of the metric's state (zeros, or ones/an array's values)."""
        value = (np.ones(shape) if initializer == "ones" else
                 np.zeros(shape) if isinstance(initializer, str) else np.asarray(initializer))
        variable = Variable(np.asarray(value, dtype=dtype or self.dtype), name=name)
        self._variables.append(variable)
        return variable

    add_weight = add_variable

    @property
    def variables(self):
        return list(self.__dict__.get("_variables", []))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Streaming(Metric):
    """minicnn's own metrics: running sums set by ``reset_state``, the value by ``value``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError(f"{type(self).__name__}.reset_state")

    def value(self):
        raise NotImplementedError(f"{type(self).__name__}.value")


def _weights(sample_weight, n):
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, float).reshape(-1)


class Accuracy(Streaming):
    """The (weighted) fraction of samples whose predicted class is the true one:
    the argmax of rows, or y_pred > 0.5 for one column (a sigmoid output), as
    Keras's "accuracy" picks categorical or binary accuracy from the output."""
    name = "accuracy"

    def reset_state(self):
        self.total, self.count = 0.0, 0.0  # Keras's names: the weighted hits, the weights

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        if y_pred.ndim == 2 and y_pred.shape[1] == 1:
            predicted = (y_pred[:, 0] > 0.5).astype(np.int64)
            truth = np.asarray(y_true).reshape(len(y_pred)) > 0.5
        else:
            predicted, truth = as_labels(y_pred), as_labels(y_true)
        weights = _weights(sample_weight, len(y_pred))
        self.total += float(weights @ (predicted == truth))
        self.count += float(weights.sum())

    def value(self):
        return self.total / self.count if self.count else 0.0


class CategoricalAccuracy(Accuracy):
    name = "categorical_accuracy"


class SparseCategoricalAccuracy(Accuracy):
    name = "sparse_categorical_accuracy"


class BinaryAccuracy(Accuracy):
    name = "binary_accuracy"


class _ThresholdCounts(Streaming):
    """True/false positives/negatives at fixed thresholds, over the one-hot labels
    and the predictions flattened (Keras's multi_label=False): each (sample,
    class) pair counts as one binary decision, positive when y_pred > threshold."""

    def __init__(self, thresholds, name=None, dtype=None):
        # Keras compares in float32: a score float32(1/3) is *on* the threshold 1/3
        self.thresholds = np.asarray(thresholds, dtype=np.float32)
        super().__init__(name, dtype)

    def reset_state(self):
        shape = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(shape) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.clip(np.asarray(y_pred, dtype=np.float32), 0, 1)
        labels = _one_hot_like(y_true, y_pred).reshape(-1) > 0
        weights = np.repeat(_weights(sample_weight, len(y_pred)), y_pred.size // len(y_pred))
        scores = y_pred.reshape(-1)
        for is_positive, hit, miss in ((labels, self.tp, self.fn), (~labels, self.fp, self.tn)):
            order = np.argsort(scores[is_positive], kind="stable")
            sorted_scores = scores[is_positive][order]
            cumulative = np.r_[0, np.cumsum(weights[is_positive][order])]
            at_or_below = cumulative[np.searchsorted(sorted_scores, self.thresholds, side="right")]
            hit += cumulative[-1] - at_or_below   # score > threshold: predicted positive
            miss += at_or_below


def _one_hot_like(y_true, y_pred):
    y_true = np.asarray(y_true)
    if y_true.shape == y_pred.shape:
        return y_true
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        return y_true.reshape(y_pred.shape)
    return np.eye(y_pred.shape[1])[y_true.reshape(-1).astype(np.int64)]


class AUC(_ThresholdCounts):
    """Keras's AUC: the area under the ROC curve of the flattened one-hot labels
    against the flattened predictions, from counts at num_thresholds fixed
    thresholds (0 - 1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7), summed with the
    trapezoid rule ("interpolation"). It approximates the exact AUC (roc_auc in
    compat/sklearn/metrics/scores.py, which is per class); it is what Keras prints for the same
    predictions, so a lesson's numbers compare."""
    name = "auc"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, multi_label=False):
        if curve != "ROC" or summation_method != "interpolation" or multi_label:
            raise ValueError("AUC: minicnn computes curve='ROC', summation_method="
                             "'interpolation', multi_label=False (Keras's defaults) only")
        if num_thresholds < 2:
            raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        super().__init__([-1e-7] + inner + [1 + 1e-7], name)

    def value(self):
        tpr = np.divide(self.tp, self.tp + self.fn, out=np.zeros_like(self.tp),
                        where=(self.tp + self.fn) > 0)
        fpr = np.divide(self.fp, self.fp + self.tn, out=np.zeros_like(self.fp),
                        where=(self.fp + self.tn) > 0)
        return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


class Precision(_ThresholdCounts):
    """TP / (TP + FP) at threshold 0.5 over the flattened one-hot labels (Keras's Precision)."""
    name = "precision"
    errors = "fp"  # what the true positives are set against

    def __init__(self, thresholds=0.5, name=None):
        super().__init__([thresholds], name)

    def value(self):
        total = self.tp[0] + getattr(self, self.errors)[0]
        return float(self.tp[0] / total) if total else 0.0


class Recall(Precision):
    """TP / (TP + FN) at threshold 0.5 over the flattened one-hot labels (Keras's Recall)."""
    name = "recall"
    errors = "fn"


class Counts(_ThresholdCounts):
    """Keras's TruePositives, FalsePositives, TrueNegatives, FalseNegatives: the
    (weighted) count at threshold 0.5 (or at each of ``thresholds``)."""
    count_of = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(np.atleast_1d(0.5 if thresholds is None else thresholds), name, dtype)

    def value(self):
        counts = getattr(self, self.count_of)
        return float(counts[0]) if len(counts) == 1 else counts.copy()


class TruePositives(Counts):
    name, count_of = "true_positives", "tp"


class FalsePositives(Counts):
    name, count_of = "false_positives", "fp"


class TrueNegatives(Counts):
    name, count_of = "true_negatives", "tn"


class FalseNegatives(Counts):
    name, count_of = "false_negatives", "fn"


def _ratio(a, b):
    return np.divide(a, a + b, out=np.zeros_like(a), where=(a + b) > 0)


class AtConstraint(_ThresholdCounts):
    """The best of one rate among the thresholds where another reaches ``target``
    (0 when none does), from counts at num_thresholds thresholds 0, 1/(n-1), ..., 1,
    as Keras's PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity and
    SpecificityAtSensitivity. Rates: precision tp/(tp+fp), recall = sensitivity
    tp/(tp+fn), specificity tn/(tn+fp)."""
    RATES = {"precision": lambda m: _ratio(m.tp, m.fp), "recall": lambda m: _ratio(m.tp, m.fn),
             "specificity": lambda m: _ratio(m.tn, m.fp)}

    def __init__(self, target, num_thresholds=200, class_id=None, name=None, dtype=None):
        if class_id is not None:
            raise ValueError(f"{type(self).__name__}: minicnn counts every class (class_id=None)")
        self.target = float(target)
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        super().__init__([0.0] + inner + [1.0], name, dtype)

    def value(self):
        constrained = self.RATES[self.constrained](self)
        feasible = constrained >= self.target
        return float(self.RATES[self.best](self)[feasible].max()) if feasible.any() else 0.0


class PrecisionAtRecall(AtConstraint):
    name, best, constrained = "precision_at_recall", "precision", "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(AtConstraint):
    name, best, constrained = "recall_at_precision", "recall", "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class SensitivityAtSpecificity(AtConstraint):
    name, best, constrained = "sensitivity_at_specificity", "recall", "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(AtConstraint):
    name, best, constrained = "specificity_at_sensitivity", "specificity", "recall"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class EpochFunction(Streaming):
    """A plain function f(y_true, probabilities), computed once over the whole
    epoch's predictions (kept until then)."""

    def __init__(self, function, name=None):
        self.function = function
        super().__init__(name or function.__name__)

    def reset_state(self):
        self.targets, self.probs = [], []

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.targets.append(np.asarray(y_true))
        self.probs.append(np.asarray(y_pred))

    def value(self):
        if not self.probs:
            return 0.0
        return float(self.function(np.concatenate(self.targets), np.concatenate(self.probs)))


class Mean(Streaming):
    """Keras's Mean: the (weighted) mean of every value given to update_state, as
    a custom training loop tracks its loss: ``loss_tracker.update_state(loss)``."""
    name = "mean"

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(value_of(values), dtype=np.float64)
        weights = np.broadcast_to(1.0 if sample_weight is None else
                                  np.asarray(value_of(sample_weight), np.float64), values.shape)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def value(self):
        return self.total / self.count if self.count else 0.0

    def __call__(self, values, sample_weight=None):
        self.update_state(values, sample_weight)
        return self.result()


class CompileMetrics(Streaming):
    """What compile(metrics=[...]) made, as one metric (Keras 3's "compile_metrics"):
    update_state updates each, result() gives {name: value}; ``metrics`` lists them."""
    name = "compile_metrics"

    def __init__(self, metrics):
        self.metrics = list(metrics)
        super().__init__()

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        for metric in self.metrics:
            metric.update_state(y_true, y_pred, sample_weight)

    def result(self):
        return {metric.name: metric.result() for metric in self.metrics}

    def __iter__(self):
        return iter(self.metrics)

    def __len__(self):
        return len(self.metrics)


class EpochTally:
    """An epoch's loss (the mean over samples of the weighted per-sample loss, as
    Keras reports it) and its metrics, updated batch by batch at O(batch) cost."""

    def __init__(self, metrics):
        self.metrics = metrics
        for metric in metrics:
            metric.reset_state()
        self.loss_sum, self.count = 0.0, 0

    def add(self, loss, y, probs, sample_weight=None):
        """The sample weights weigh the loss, and only the metrics compiled as
        weighted_metrics (Keras's rule: compile(metrics=...) are not weighted)."""
        self.loss_sum += loss * len(probs)
        self.count += len(probs)
        if y is not None:
            for metric in self.metrics:
                metric.update_state(y, probs,
                                    sample_weight if getattr(metric, "weighted", False) else None)

    def result(self, cheap=False):
        """{"loss": ..., metric name: value}; cheap=True leaves out metrics that
        keep the whole epoch's predictions (for the per-step progress bar)."""
        logs = {"loss": self.loss_sum / max(self.count, 1)}
        if self.count:
            for metric in self.metrics:
                if not (cheap and isinstance(metric, EpochFunction)):
                    logs[metric.name] = metric.value()
        return logs
