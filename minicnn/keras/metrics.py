"""keras.metrics: the streaming metric objects."""
from minicnn.metrics import (AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy, Precision, Recall,
                             SparseCategoricalAccuracy)

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Precision", "Recall",
           "SparseCategoricalAccuracy"]
