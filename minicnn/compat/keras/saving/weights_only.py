"""Keras 3's weights file, ``model.save_weights("x.weights.h5")``: the HDF5 file a .keras
archive holds as model.weights.h5 (weights.py), on its own; the optimizer's variables
are in it too, as Keras writes them."""
import io
import os

from minicnn.training.saving import writing
from minicnn.compat.keras.saving import archive, compile_config, h5, model_config, weights


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
    """Set a built model's weights from a .weights.h5 file (or a .keras archive's), checked
    as load_model checks a file (docs/guarantees.md): every layer's arrays present, of
    its shapes, float types and sizes the file can hold, before any is read; then
    finite. A compiled model's optimizer takes the file's optimizer variables when
    they fit it (else it starts afresh, with a warning, as Keras)."""
    path = os.fspath(path)
    h5py = h5.require_h5py(path, "reading")
    h5.regular_file(path, "weights file")
    if path.endswith(".keras"):
        with archive.open_archive(path) as zipped:
            data, entry = io.BytesIO(archive.read_member(zipped, "model.weights.h5", path)), \
                "model.weights.h5"
    else:
        data, entry = path, "the file"
    layout = None
    if getattr(model, "optimizer", None) is not None and getattr(model, "loss", None) is not None:
        layout = compile_config.optimizer_layout(
            model.optimizer, [param.shape for _, param in model_config.keras_parameters(model)])
    with h5.open_file(h5py, data, path, entry) as file, h5.errors(path, entry):
        budget = h5.Budget(path)
        checked = weights.check_weights(h5py, file, weights.expected_of_model(model), path,
                                        budget)
        state = weights.check_optimizer_variables(h5py, file, "optimizer/vars", layout, path,
                                                  budget)
        values = weights.read_weights(checked, path)
        state = None if state is None else weights.read_variables(state, path)
    weights.set_weights(values, path)
    if state is not None:
        compile_config.set_optimizer_variables(model, [v for _, v in state], path,
                                               [n for n, _ in state])
