"""keras.metrics: the streaming metric objects."""
from minicnn.compat.missing import hint_each, missing_names
from minicnn.training.metrics import (AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy, Precision, Recall,
                             SparseCategoricalAccuracy)

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Precision", "Recall",
           "SparseCategoricalAccuracy"]

HINTS = {
    **hint_each(["TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "F1Score",
                 "FBetaScore", "MeanIoU", "IoU", "TruePositives", "FalsePositives",
                 "TrueNegatives", "FalseNegatives", "PrecisionAtRecall", "RecallAtPrecision",
                 "SensitivityAtSpecificity", "SpecificityAtSensitivity"],
                "minicnn's metrics during fit are Accuracy (and its categorical, sparse and "
                "binary names), AUC, Precision and Recall; after predict, "
                "minicnn.metrics.classification_report and confusion_matrix give per-class "
                "precision, recall and F1."),
    **hint_each(["MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError", "Mean", "Sum",
                 "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                 "BinaryCrossentropy", "KLDivergence"],
                "fit logs the loss itself as \"loss\"; minicnn's metrics are Accuracy, AUC, "
                "Precision and Recall."),
}
__getattr__ = missing_names("keras.metrics", HINTS, __all__)
