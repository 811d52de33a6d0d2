"""Classification metrics in plain NumPy.

Labels may be class indices (N,) or one-hot / probability rows (N, K);
``as_labels`` turns either into indices. Scores are class probabilities (N, K).
"""
import numpy as np


def as_labels(y):
    """Class indices from indices (N,) or one-hot / probability rows (N, K)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y)).astype(np.int64)


def accuracy(y_true, y_pred):
    """Fraction of samples whose predicted class (argmax of y_pred when rows) is the true one."""
    y_true, y_pred = as_labels(y_true), as_labels(y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def confusion_matrix(y_true, y_pred, num_classes=None):
    """C[i, j] = number of samples of true class i predicted as class j."""
    y_true, y_pred = as_labels(y_true), as_labels(y_pred)
    k = num_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def precision_recall_f1(y_true, y_pred, num_classes=None):
    """Per-class precision, recall, F1 and support, as four arrays of length K.

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean;
    a ratio with a zero denominator is 0 (as scikit-learn's zero_division=0).
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    tp = np.diag(matrix).astype(np.float64)
    predicted, support = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return precision, recall, f1, support


def binary_roc_auc(is_positive, scores):
    """Area under the ROC curve: the probability that a random positive scores
    higher than a random negative, ties counting one half (Mann-Whitney U).

    Exact: computed from the average ranks of the scores, so tied scores are
    handled as the trapezoid of the ROC curve handles them.
    """
    is_positive = np.asarray(is_positive, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_pos = int(is_positive.sum())
    n_neg = len(is_positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(scores)
    return float((ranks[is_positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_ranks(values):
    """Ranks 1..n of values, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends, averaged
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def roc_auc(y_true, y_score, average="macro"):
    """One-vs-rest ROC AUC for K classes, from probabilities (N, K).

    average="macro": the mean over classes present with both positives and
    negatives; None: the per-class array (NaN where undefined). For two
    classes the macro mean equals the binary AUC of either column.
    """
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_score.ndim == 1:
        y_score = np.stack([1 - y_score, y_score], axis=1)
    labels = as_labels(y_true)
    per_class = np.array([binary_roc_auc(labels == k, y_score[:, k])
                          for k in range(y_score.shape[1])])
    if average is None:
        return per_class
    defined = per_class[~np.isnan(per_class)]
    return float(defined.mean()) if len(defined) else float("nan")


def classification_report(y_true, y_pred, class_names=None, digits=3):
    """A text table of per-class precision, recall, F1 and support, with the
    accuracy and the macro averages, in the layout of scikit-learn's report."""
    y_true, y_pred = as_labels(y_true), as_labels(y_pred)
    k = len(class_names) if class_names is not None else None
    precision, recall, f1, support = precision_recall_f1(y_true, y_pred, k)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(f1))]
    width = max(12, max(len(n) for n in names) + 2)
    head = f"{'':>{width}} {'precision':>10} {'recall':>10} {'f1-score':>10} {'support':>10}"
    lines = [head, ""]
    for name, p, r, f, s in zip(names, precision, recall, f1, support):
        lines.append(f"{name:>{width}} {p:>10.{digits}f} {r:>10.{digits}f} {f:>10.{digits}f} {s:>10d}")
    n = int(support.sum())
    lines += ["", f"{'accuracy':>{width}} {'':>10} {'':>10} "
                  f"{accuracy(y_true, y_pred):>10.{digits}f} {n:>10d}",
              f"{'macro avg':>{width}} {precision.mean():>10.{digits}f} {recall.mean():>10.{digits}f} "
              f"{f1.mean():>10.{digits}f} {n:>10d}"]
    return "\n".join(lines)


# Names accepted by Sequential.compile(metrics=...): Keras's, and "auc".
METRICS = {
    "accuracy": accuracy, "acc": accuracy, "categorical_accuracy": accuracy,
    "sparse_categorical_accuracy": accuracy,
    "auc": roc_auc,
}


def get(name):
    """(display name, function(y_true, probabilities)) for a metric name or a callable."""
    if callable(name):
        return name.__name__, name
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; expected one of {sorted(METRICS)} or a "
                         f"function(y_true, y_prob)")
    return ("accuracy" if METRICS[name] is accuracy else name), METRICS[name]


class EpochTally:
    """An epoch's loss and metrics, built up batch by batch at O(batch) cost a step.

    ``running()`` is what the progress bar shows: the sample-weighted mean loss
    and the accuracy so far, from running sums. ``result()`` computes every
    metric once, over all of the epoch's targets and predictions (AUC is not a
    mean of per-batch AUCs), so it is called at the end of an epoch only.
    """

    def __init__(self, metrics):
        self.metrics = list(metrics)  # (name, function(y_true, probabilities)) pairs
        self.keep_predictions = any(function is not accuracy for _, function in self.metrics)
        self.loss_sum, self.count, self.correct, self.weight_sum = 0.0, 0, 0.0, 0.0
        self.targets, self.probs = [], []

    def add(self, loss, y, probs, sample_weight=None):
        """loss: the batch's loss (a mean over its samples); accuracy is weighted
        by sample_weight, as Keras weights its metrics."""
        n = len(probs)
        self.loss_sum += loss * n
        self.count += n
        if y is None:
            return
        hits = as_labels(y) == as_labels(probs)
        weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight).reshape(-1)
        self.correct += float(np.dot(weights, hits))
        self.weight_sum += float(weights.sum())
        if self.keep_predictions:
            self.targets.append(np.asarray(y))
            self.probs.append(probs)

    def running(self):
        logs = {"loss": self.loss_sum / max(self.count, 1)}
        if self.weight_sum and any(function is accuracy for _, function in self.metrics):
            logs["accuracy"] = self.correct / self.weight_sum
        return logs

    def result(self):
        logs = {"loss": self.loss_sum / max(self.count, 1)}
        if not self.count:
            return logs
        if self.keep_predictions:
            y, probs = np.concatenate(self.targets), np.concatenate(self.probs)
        for name, function in self.metrics:
            logs[name] = (self.correct / max(self.weight_sum, 1e-300) if function is accuracy
                          else float(function(y, probs)))
        return logs
