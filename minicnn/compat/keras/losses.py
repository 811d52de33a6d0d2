"""keras.losses: the cross-entropies."""
from minicnn.compat.missing import hint_each, missing_names
from minicnn.losses import (BinaryCrossentropy, CategoricalCrossentropy,
                            SparseCategoricalCrossentropy)

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"]

HINTS = hint_each(
    ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
     "MeanSquaredLogarithmicError", "Huber", "LogCosh", "KLDivergence", "Poisson", "Hinge",
     "SquaredHinge", "CategoricalHinge", "CosineSimilarity", "CategoricalFocalCrossentropy",
     "BinaryFocalCrossentropy", "Tversky", "Dice", "mse", "mae", "mean_squared_error",
     "mean_absolute_error"],
    "minicnn trains classifiers: its losses are the cross-entropies CategoricalCrossentropy, "
    "SparseCategoricalCrossentropy and BinaryCrossentropy (also by name in compile).")
__getattr__ = missing_names("keras.losses", HINTS, __all__)
