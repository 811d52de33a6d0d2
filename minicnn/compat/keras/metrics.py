"""keras.metrics: the streaming metric objects (minicnn/training/metrics.py and
metric_means.py) and Keras's per-sample metric functions."""
from minicnn.compat.keras import losses as _losses
from minicnn.compat.missing import hint_each, missing_names
from minicnn.training.metric_means import (BinaryCrossentropy, CategoricalCrossentropy, F1Score,
                                           FBetaScore, MeanAbsoluteError, MeanMetricWrapper,
                                           MeanSquaredError, RootMeanSquaredError,
                                           SparseCategoricalCrossentropy,
                                           SparseTopKCategoricalAccuracy, Sum,
                                           TopKCategoricalAccuracy, binary_accuracy,
                                           categorical_accuracy, mean_absolute_error,
                                           mean_squared_error, sparse_categorical_accuracy,
                                           sparse_top_k_categorical_accuracy,
                                           top_k_categorical_accuracy)
from minicnn.training.metrics import (AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                      FalseNegatives, FalsePositives, Mean, Metric, Precision,
                                      PrecisionAtRecall, Recall, RecallAtPrecision,
                                      SensitivityAtSpecificity, SparseCategoricalAccuracy,
                                      SpecificityAtSensitivity, TrueNegatives, TruePositives)
from minicnn.training.metric_names import get

# the cross-entropies' per-sample functions are the losses' (keras.metrics has them too)
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
binary_focal_crossentropy = _losses.binary_focal_crossentropy
categorical_focal_crossentropy = _losses.categorical_focal_crossentropy
mse, mae = mean_squared_error, mean_absolute_error

__all__ = sorted(name for name, value in dict(globals()).items()
                 if not name.startswith("_") and (isinstance(value, type) or callable(value))
                 and name not in ("hint_each", "missing_names"))

HINTS = {
    **hint_each(["MeanIoU", "IoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"],
                "minicnn classifies images (no segmentation): per-class precision, recall and F1 "
                "come from F1Score(average=None) or minicnn.metrics.classification_report."),
    **hint_each(["KLDivergence", "Poisson", "LogCoshError", "MeanAbsolutePercentageError",
                 "MeanSquaredLogarithmicError", "CosineSimilarity", "Hinge", "SquaredHinge",
                 "CategoricalHinge", "R2Score", "PearsonCorrelation", "ConcordanceCorrelation"],
                "minicnn's regression metrics are MeanSquaredError, MeanAbsoluteError and "
                "RootMeanSquaredError; MeanMetricWrapper(fn) makes any per-sample function a "
                "metric."),
}
__getattr__ = missing_names("keras.metrics", HINTS, __all__)
