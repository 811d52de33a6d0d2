"""Writing minicnn models as Keras files: the .keras archive (archive.py) and the legacy
.h5 (legacy_h5.py). Nothing here imports the model classes, so the trainer may import it
(``Sequential.save`` writes through it)."""
import os

from minicnn.compat.keras.saving import archive, legacy_h5
from minicnn.compat.keras.saving.weights_only import save_weights  # noqa: F401  (model.save_weights)

WRITERS = {".keras": archive.save, ".h5": legacy_h5.save, ".hdf5": legacy_h5.save}


def is_keras_path(path):
    """Whether ``path`` names a Keras model file (.keras, .h5, .hdf5)."""
    return os.path.splitext(os.fspath(path))[1].lower() in WRITERS


def is_keras_weights_path(path):
    """Whether ``path`` names a Keras 3 weights file (.weights.h5)."""
    return os.fspath(path).lower().endswith(".weights.h5")


def save_model(model, path, include_optimizer=True):
    """Write a built minicnn model as a Keras file, chosen by the suffix: .keras
    (Keras 3's archive) or .h5 / .hdf5 (the legacy format); atomically.
    include_optimizer: also how it was compiled and the optimizer's state."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in WRITERS:
        raise ValueError(f"{os.fspath(path)}: a Keras model file ends in .keras or .h5, "
                         f"got {suffix or 'no suffix'!r}")
    return WRITERS[suffix](model, path, include_optimizer)
