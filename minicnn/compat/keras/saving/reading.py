"""Reading Keras's model files into minicnn models: the .keras archive and the legacy .h5.

In this order, so that a bad file is refused before anything is built or read:
1. the architecture is checked and planned (model_from_config.plan_model: JSON types,
   the layer graph, every weight's shape; nothing allocated), and the compile settings
   made (compile_config.settings_from_config);
2. every weight's dataset is checked against the plan without reading it (weights.py,
   legacy_h5.py, h5.checked_dataset: links, types, shapes, sizes within the file's budget);
3. the arrays are read through the import rule of every format (finite floats), the model
   is built, its layers get the weights (by Keras's group names in a .keras, in order in
   an .h5), and it is compiled as the file says, with the optimizer's variables.
"""
import io
import os

from minicnn.compat.keras.saving import (archive, compile_config, config_json, h5, legacy_h5,
                                         model_from_config, weights)


def load_archive(path, compile=True, input_shape=None):
    """A minicnn model from a .keras archive (Keras's, or one minicnn wrote)."""
    path = os.fspath(path)
    h5py = h5.require_h5py(path, "reading")
    with archive.open_archive(path) as zipped:
        config = archive.read_json(zipped, "config.json", path)
        plan = model_from_config.plan_model(config, path, input_shape, "config.json")
        settings = compile_config.settings_from_config(
            config.get("compile_config"), path, "config.json: compile_config") if compile else None
        if "model.weights.h5" not in zipped.namelist():
            raise ValueError(f"{path}: has no model.weights.h5 (Keras's weights in another form, "
                             f"such as model.weights.npz, are not read by minicnn)")
        data = archive.read_member(zipped, "model.weights.h5", path)
    with h5.open_file(h5py, io.BytesIO(data), path, "model.weights.h5") as file, \
            h5.errors(path, "model.weights.h5"):
        budget = h5.Budget(path)
        checked = weights.check_weights(h5py, file, plan.weights, path, budget)
        state = weights.check_optimizer_variables(
            h5py, file, "optimizer/vars", optimizer_layout(settings, plan), path, budget)
        values = weights.read_weights(checked, path)
        state = None if state is None else weights.read_variables(state, path)
    model, _ = model_from_config.build(plan, path)
    weights.set_weights(values, path)
    finish(model, settings, state, path)
    return model


def optimizer_layout(settings, plan):
    """The shapes of the optimizer variables the file should hold for ``settings``'
    optimizer on the plan's trainable parameters (None when not compiling)."""
    if settings is None:
        return None
    shapes = [shape for _, layer, arrays, count in plan.weights
              if getattr(layer, "trainable", True) for shape in arrays[:count]]
    return compile_config.optimizer_layout(settings[0], shapes)


def finish(model, settings, state, path):
    """Compile the built model as the file says, with the optimizer's variables."""
    if settings is None:
        return
    compile_config.compile_from_settings(model, settings, path)
    if state is not None:
        compile_config.set_optimizer_variables(model, [v for _, v in state], path,
                                               [n for n, _ in state])


def load_legacy_h5(path, compile=True, input_shape=None):
    """A minicnn model from a legacy .h5 model file."""
    path = os.fspath(path)
    h5py = h5.require_h5py(path, "reading")
    h5.regular_file(path, "model file")
    with h5.open_file(h5py, path, path, "the file") as file, h5.errors(path, "the file"):
        if "model_config" not in file.attrs:
            raise ValueError(f"{path}: holds no model_config: weights alone (save_weights?); "
                             f"build the model and load the weights into it instead")
        config = config_json.parse_json(file.attrs["model_config"], path, "model_config")
        plan = model_from_config.plan_model(config, path, input_shape, "model_config")
        settings = legacy_settings(file, path) if compile else None
        budget = h5.Budget(path)
        checked = legacy_h5.check_layers(h5py, h5.group(h5py, file, "model_weights", path),
                                         plan, path, budget)
        state = None
        if settings is not None and h5.has(h5py, file, "optimizer_weights"):
            group = h5.group(h5py, file, "optimizer_weights", path)
            nodes = [h5.dataset(h5py, group, name, path)
                     for name in h5.texts(group, "weight_names", path)]
            state = weights.check_variables(h5py, nodes, optimizer_layout(settings, plan),
                                            path, budget)
        values = weights.read_weights(checked, path)
        state = None if state is None else weights.read_variables(state, path)
    model, _ = model_from_config.build(plan, path)
    weights.set_weights(values, path)
    finish(model, settings, state, path)
    return model


def legacy_settings(file, path):
    """The compile settings of a legacy .h5's training_config (None when absent)."""
    training = file.attrs.get("training_config")
    if training is None:
        return None
    settings = config_json.parse_json(training, path, "training_config")
    if not isinstance(settings, dict):
        raise ValueError(f"{path}: training_config must be a JSON object, got "
                         f"{type(settings).__name__}")
    settings = dict(settings)
    settings["optimizer"] = settings.pop("optimizer_config", None)
    return compile_config.settings_from_config(settings, path, "training_config")


LOADERS = {".keras": load_archive, ".h5": load_legacy_h5, ".hdf5": load_legacy_h5}


def load_model(path, compile=True, input_shape=None):
    """A minicnn model from a Keras file (.keras, .h5), compiled (with the
    optimizer's state) when the file says how. Everything in the file is checked
    before the model is built or any array read (see docs/guarantees.md); a ValueError
    names the file and the entry at fault. input_shape: the per-sample size at which
    to build a model whose input has free dimensions (Keras's fully-convolutional
    models, batch_shape [None, None, None, 3])."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in LOADERS:
        raise ValueError(f"{os.fspath(path)}: a Keras model file ends in .keras or .h5, "
                         f"got {suffix or 'no suffix'!r}")
    return LOADERS[suffix](path, compile, input_shape)
