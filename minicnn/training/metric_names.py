"""Keras's metric names, every metric minicnn has (metrics.py and metric_means.py), and
the lookup compile(metrics=[...]) uses: a name, a Metric or a function -> a Metric."""
from minicnn.training import metric_means
from minicnn.training.metrics import (AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                      EpochFunction, FalseNegatives, FalsePositives, Metric,
                                      Precision, Recall, SparseCategoricalAccuracy,
                                      TrueNegatives, TruePositives)

# Keras's names (matched without regard to case, as Keras matches "AUC" and "auc")
NAMES = {**metric_means.NAMES,
         "accuracy": Accuracy, "acc": Accuracy, "categorical_accuracy": CategoricalAccuracy,
         "sparse_categorical_accuracy": SparseCategoricalAccuracy,
         "binary_accuracy": BinaryAccuracy, "auc": AUC, "precision": Precision, "recall": Recall,
         "true_positives": TruePositives, "false_positives": FalsePositives,
         "true_negatives": TrueNegatives, "false_negatives": FalseNegatives}


def get(metric):
    """A fresh Metric from a Keras name, a Metric (used as given) or a function.
    A name keeps the spelling it was given, as Keras logs it (metrics=["acc"] gives
    history["acc"], metrics=["mae"] history["mae"])."""
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, type) and issubclass(metric, Metric):
        return metric()
    if isinstance(metric, str):
        if metric.lower() not in NAMES:
            raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(NAMES)}, a "
                             f"minicnn.metrics object or a function(y_true, y_prob)")
        return NAMES[metric.lower()](name=metric)
    if callable(metric):
        return EpochFunction(metric)
    raise ValueError(f"unknown metric {metric!r}")


def compile_metrics(metrics):
    """Metric objects with unique names: a second AUC becomes auc_1, as Keras names it."""
    made, taken = [], set()
    for metric in metrics or ():
        metric = get(metric)
        base, name, i = metric.name, metric.name, 0
        while name in taken:
            i += 1
            name = f"{base}_{i}"
        metric.name = name
        taken.add(name)
        made.append(metric)
    return made
