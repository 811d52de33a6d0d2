"""Keras 3's weights file, ``model.save_weights("x.weights.h5")``: the HDF5 file a .keras
archive holds as model.weights.h5 (weights.py), on its own; the optimizer's variables
are in it too, as Keras writes them."""
import io
import os
import zipfile

from minicnn.training.saving import writing
from minicnn.compat.keras.saving import compile_config, h5, weights


def save_weights(model, path):
    """Write the model's weights (and its optimizer's variables) to ``path``, atomically."""
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"{path}: Keras's weights files end in .weights.h5")
    h5py = h5.require_h5py(path, "writing")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        weights.write_weights(h5py, file, model, include_optimizer=True)
    writing.atomic_write(path, lambda file: file.write(buffer.getvalue()))


def load_weights(model, path):
    """Set a built model's weights from a .weights.h5 file (or a .keras archive's);
    every layer's count and shapes are checked, naming the layer. A compiled model's
    optimizer takes the file's optimizer variables when they fit it."""
    path = os.fspath(path)
    h5py = h5.require_h5py(path, "reading")
    if not os.path.isfile(path):
        raise FileNotFoundError(2, "no such weights file", path)
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as archive:
            data = io.BytesIO(archive.read("model.weights.h5"))
    else:
        data = path
    with h5py.File(data, "r") as file:
        weights.read_weights(h5py, file, weights.model_paths(model), path)
        state = weights.read_optimizer_variables(h5py, file, path)
    if state is not None and getattr(model, "optimizer", None) is not None:
        compile_config.set_optimizer_variables(model, state, path)
