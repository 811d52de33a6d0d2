"""Classification scores over a whole set, in plain NumPy, with scikit-learn's
signatures where it has the function (confusion_matrix, classification_report).

Labels may be class indices (N,) or one-hot / probability rows (N, K);
``as_labels`` turns either into indices. Scores are class probabilities (N, K).
roc_auc is the exact (rank-based) one-vs-rest AUC per class; the AUC Keras
reports during training is minicnn.keras.metrics.AUC (training/metrics.py), which thresholds.
"""
import warnings

import numpy as np

from minicnn.training.metrics import as_labels


def accuracy(y_true, y_pred):
    """Fraction of samples whose predicted class (argmax of y_pred when rows) is the true one."""
    y_true, y_pred = as_labels(y_true), as_labels(y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None,
                     num_classes=None):
    """C[i, j] = number (or weight) of samples of true class i predicted as class j.

    scikit-learn's signature: labels (the classes, in order; default: every class
    seen in y_true or y_pred, or range(num_classes)), normalize "true" (rows sum
    to 1), "pred" (columns) or "all".
    """
    y_true, y_pred = as_labels(y_true), as_labels(y_pred)
    if labels is None:
        labels = (np.arange(num_classes) if num_classes is not None
                  else np.union1d(y_true, y_pred))
    labels = np.asarray(labels)
    labels = labels.astype(np.int64) if labels.dtype.kind in "biuf" else labels
    row, column = (_positions(labels, y) for y in (y_true, y_pred))
    listed = (row >= 0) & (column >= 0)  # samples of unlisted classes are left out
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64 if sample_weight is None
                      else np.float64)
    weights = 1 if sample_weight is None else np.asarray(sample_weight, float)[listed]
    np.add.at(matrix, (row[listed], column[listed]), weights)
    if normalize is None:
        return matrix
    axis = {"true": 1, "pred": 0, "all": None}[normalize]
    total = matrix.sum(axis=axis, keepdims=axis is not None)
    return np.divide(matrix, total, out=np.zeros(matrix.shape), where=total != 0)


def _positions(labels, y):
    """Each y's position in labels, -1 for a value not listed."""
    order = np.argsort(labels)
    found = np.clip(np.searchsorted(labels[order], y), 0, len(labels) - 1)
    return np.where(labels[order][found] == y, order[found], -1)


def precision_recall_f1(y_true, y_pred, num_classes=None):
    """Per-class precision, recall, F1 and support, as four arrays of length K.

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean;
    a ratio with a zero denominator is 0 (as scikit-learn's zero_division=0).
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes=num_classes)
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


class UndefinedMetricWarning(UserWarning):
    """A precision, recall or F1 with a zero denominator, set by zero_division (scikit-learn's)."""


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """scikit-learn's accuracy_score: the fraction (normalize=False: the number, or the
    summed sample weights) of samples whose predicted label equals the true one.
    Labels may be numbers or strings; for rows (N, K) a sample counts when its
    whole row matches (scikit-learn's subset accuracy)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"accuracy_score: y_true has {len(y_true)} samples, y_pred "
                         f"{len(y_pred)}")
    correct = (y_true == y_pred) if y_true.ndim == 1 else np.all(
        y_true.reshape(len(y_true), -1) == y_pred.reshape(len(y_pred), -1), axis=1)
    weights = np.ones(len(correct)) if sample_weight is None else np.asarray(sample_weight, float)
    if not normalize:
        return float(np.dot(correct, weights))
    return float(np.average(correct, weights=weights)) if len(correct) else 0.0


def _report_labels(y):
    """Labels as scikit-learn reads them; one-hot or probability rows (minicnn's
    predictions) become class indices."""
    y = np.asarray(y)
    return as_labels(y) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))


def _ratio(numerator, denominator, zero_division, metric, condition):
    """numerator / denominator; where the denominator is 0, zero_division (0, 1 or
    nan; "warn": 0 and a warning naming the metric, as scikit-learn)."""
    empty = denominator == 0
    fill = 0.0 if isinstance(zero_division, str) else float(zero_division)
    if isinstance(zero_division, str) and zero_division != "warn":
        raise ValueError(f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}")
    if zero_division == "warn" and np.any(empty):
        warnings.warn(f"{metric} is ill-defined and being set to 0.0 in labels with no "
                      f"{condition} samples. Use `zero_division` parameter to control this "
                      f"behavior.", UndefinedMetricWarning, stacklevel=3)
    return np.where(empty, fill, numerator / np.where(empty, 1, denominator))


def _nan_average(values, weights=None):
    """The (weighted) mean leaving out NaN, as scikit-learn averages with zero_division=nan."""
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    w = np.ones_like(values) if weights is None else np.asarray(weights, float)
    return float(np.average(values[keep], weights=w[keep])) if w[keep].sum() else 0.0


def classification_report(y_true, y_pred, *, labels=None, target_names=None,
                          sample_weight=None, digits=2, output_dict=False, zero_division="warn"):
    """scikit-learn's report: per class precision, recall, F1 and support, then
    the accuracy and the macro and weighted averages, in its layout.

    zero_division: what a ratio with a zero denominator becomes (a class never
    predicted has no precision, one absent from y_true no recall): 0, 1, np.nan,
    or "warn" (0, with an UndefinedMetricWarning), as scikit-learn."""
    y_true, y_pred = _report_labels(y_true), _report_labels(y_pred)
    seen = np.union1d(y_true, y_pred)
    labels = seen if labels is None else np.asarray(labels)
    covers_all = set(labels.tolist()) >= set(seen.tolist())
    weights = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, float)
    # per-label counts over all samples: a sample of an unlisted class still counts
    # as a false positive (or negative) of a listed one
    tp = np.array([weights[(y_true == k) & (y_pred == k)].sum() for k in labels])
    predicted = np.array([weights[y_pred == k].sum() for k in labels])
    support = np.array([weights[y_true == k].sum() for k in labels])
    if sample_weight is None:
        support = support.astype(np.int64)
    p = _ratio(tp, predicted, zero_division, "Precision", "predicted")
    r = _ratio(tp, support, zero_division, "Recall", "true")
    f1 = _ratio(2 * tp, support + predicted, zero_division, "F-score", "true nor predicted")
    names = ([str(label) for label in labels] if target_names is None
             else [str(name) for name in target_names])
    if len(names) != len(labels):
        raise ValueError(f"classification_report: {len(names)} target_names for "
                         f"{len(labels)} classes")
    n = support.sum()
    averages = {"macro avg": tuple(_nan_average(v) for v in (p, r, f1)) + (n,),
                "weighted avg": tuple(_nan_average(v, support) if n else float(
                    0.0 if isinstance(zero_division, str) else zero_division)
                    for v in (p, r, f1)) + (n,)}
    accuracy_value = float(tp.sum() / n) if n else 0.0
    if output_dict:
        report = {name: {"precision": float(a), "recall": float(b), "f1-score": float(c),
                         "support": float(d)} for name, a, b, c, d in zip(names, p, r, f1, support)}
        if covers_all:
            report["accuracy"] = accuracy_value
        for name, (a, b, c, d) in averages.items():
            report[name] = {"precision": float(a), "recall": float(b), "f1-score": float(c),
                            "support": float(d)}
        return report
    width = max(max(len(name) for name in names), len("weighted avg"), digits)
    headers = ["precision", "recall", "f1-score", "support"]
    text = ("{:>{width}s} " + " {:>9}" * 4).format("", *headers, width=width) + "\n\n"
    row = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for name, a, b, c, d in zip(names, p, r, f1, support):
        text += row.format(name, a, b, c, d, width=width, digits=digits)
    text += "\n"
    if covers_all:
        text += ("{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f} {:>9}\n").format(
            "accuracy", "", "", accuracy_value, n, width=width, digits=digits)
    else:
        tp_sum, pred_sum = tp.sum(), predicted.sum()
        micro_p = tp_sum / pred_sum if pred_sum else 0.0
        micro_r = tp_sum / n if n else 0.0
        micro_f = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
        text += row.format("micro avg", micro_p, micro_r, micro_f, n, width=width, digits=digits)
    for name, (a, b, c, d) in averages.items():
        text += row.format(name, a, b, c, d, width=width, digits=digits)
    return text
