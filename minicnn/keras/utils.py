"""keras.utils: to_categorical."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows from class indices, as Keras: (N,) -> (N, num_classes)."""
    y = np.asarray(y, dtype=np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    return np.eye(num_classes, dtype=dtype)[y]


__all__ = ["to_categorical"]
