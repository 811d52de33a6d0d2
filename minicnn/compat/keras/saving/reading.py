"""Reading Keras's model files into minicnn models: the .keras archive and the legacy .h5.

The architecture becomes a minicnn model (model_from_config.py), the weights go
into its layers by Keras's group names (.keras) or in order (.h5), and when the
file says how the model was compiled, the model is compiled so, with the
optimizer's variables restored (compile_config.py).
"""
import io
import json
import os

from minicnn.compat.keras.saving import archive, compile_config, h5, legacy_h5, weights
from minicnn.compat.keras.saving.model_from_config import model_from_config


def load_archive(path, compile=True):
    """A minicnn model from a .keras archive (Keras's, or one minicnn wrote)."""
    path = os.fspath(path)
    h5py = h5.require_h5py(path, "reading")
    with archive.open_archive(path) as zipped:
        config = archive.read_json(zipped, "config.json", path)
        model, paths = model_from_config(config, path)
        if "model.weights.h5" not in zipped.namelist():
            raise ValueError(f"{path}: has no model.weights.h5 (Keras's weights in another form, "
                             f"such as model.weights.npz, are not read by minicnn)")
        data = archive.read_member(zipped, "model.weights.h5", path)
    with h5py.File(io.BytesIO(data), "r") as file:
        weights.read_weights(h5py, file, paths, path)
        state = weights.read_optimizer_variables(h5py, file, path)
    settings = config.get("compile_config")
    if compile and settings:
        compile_config.compile_from_config(model, settings, path)
        if state is not None:
            compile_config.set_optimizer_variables(model, state, path)
    return model


def load_legacy_h5(path, compile=True):
    """A minicnn model from a legacy .h5 model file."""
    path = os.fspath(path)
    h5py = h5.require_h5py(path, "reading")
    if not os.path.isfile(path):
        raise FileNotFoundError(2, "no such model file", path)
    try:
        file = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"{path}: not an HDF5 file ({error})") from None
    with file:
        if "model_config" not in file.attrs:
            raise ValueError(f"{path}: holds no model_config: weights alone (save_weights?); "
                             f"build the model and load the weights into it instead")
        try:
            config = json.loads(h5.text(file.attrs["model_config"]))
        except ValueError as error:
            raise ValueError(f"{path}: model_config is not valid JSON ({error})") from None
        model, _ = model_from_config(config, path)
        legacy_h5.read_layers(h5py, h5.group(h5py, file, "model_weights", path), model, path)
        training = file.attrs.get("training_config")
        if compile and training is not None:
            settings = json.loads(h5.text(training))
            settings["optimizer"] = settings.pop("optimizer_config", None)
            compile_config.compile_from_config(model, settings, path)
            if "optimizer_weights" in file:
                group = h5.group(h5py, file, "optimizer_weights", path)
                names = [h5.text(n) for n in group.attrs.get("weight_names", [])]
                compile_config.set_optimizer_variables(
                    model, [h5.dataset(h5py, group, n, path) for n in names], path)
    return model


LOADERS = {".keras": load_archive, ".h5": load_legacy_h5, ".hdf5": load_legacy_h5}


def load_model(path, compile=True):
    """A minicnn model from a Keras file (.keras, .h5), compiled (with the
    optimizer's state) when the file says how; a layer or graph minicnn cannot
    represent is a ValueError naming it."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in LOADERS:
        raise ValueError(f"{os.fspath(path)}: a Keras model file ends in .keras or .h5, "
                         f"got {suffix or 'no suffix'!r}")
    return LOADERS[suffix](path, compile)
