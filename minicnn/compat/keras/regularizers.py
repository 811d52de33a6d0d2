"""keras.regularizers: L1, L2 and L1L2 weight penalties (minicnn/regularizers.py)."""
from minicnn.compat.missing import missing_names
from minicnn.regularizers import L1, L1L2, L2, Regularizer, get, l1, l1_l2, l2

__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2"]

HINTS = {"OrthogonalRegularizer": "minicnn's penalties are L1, L2 and L1L2 on the weights."}
__getattr__ = missing_names("keras.regularizers", HINTS, __all__)
