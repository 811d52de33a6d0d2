"""sklearn.metrics: scores over a whole set (scores.py, scikit-learn's signatures),
and, for minicnn's earlier users, the streaming metric objects fit updates batch by
batch (training/metrics.py, Keras's; minicnn.keras.metrics has them too)."""
from minicnn.compat.sklearn.metrics.scores import (accuracy, as_labels, binary_roc_auc, classification_report,
                                    confusion_matrix, precision_recall_f1, roc_auc)
from minicnn.training.metrics import (AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                       EpochTally, Metric, Precision, Recall,
                                       SparseCategoricalAccuracy)
from minicnn.training.metric_names import compile_metrics, get

__all__ = ["accuracy", "as_labels", "binary_roc_auc", "classification_report", "confusion_matrix",
           "precision_recall_f1", "roc_auc", "AUC", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "EpochTally", "Metric", "Precision", "Recall",
           "SparseCategoricalAccuracy", "compile_metrics", "get"]
# scikit-learn's names lessons import from sklearn.metrics (rewritten to minicnn.metrics)
from minicnn.compat.sklearn.metrics.display import ConfusionMatrixDisplay  # noqa: E402
from minicnn.compat.sklearn.metrics.scores import UndefinedMetricWarning, accuracy_score  # noqa: E402

__all__ += ["ConfusionMatrixDisplay", "UndefinedMetricWarning", "accuracy_score"]
