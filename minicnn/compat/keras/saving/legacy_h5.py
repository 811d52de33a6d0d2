"""The legacy .h5 model file (Keras 2's format, which Keras 3 still reads and writes):

    attributes   backend, keras_version, model_config (JSON), training_config (JSON, if compiled)
    model_weights                              attribute layer_names (every layer, in order)
    model_weights/<layer name>                 attribute weight_names ("<model>/<layer>/kernel")
    model_weights/<layer name>/<weight name>   the arrays: trainable ones, then the others
    optimizer_weights                          attribute weight_names; the optimizer's variables

Weights are matched to layers by order (the layers that have weights), as Keras
matches them.
"""
import io
import json
import os

import numpy as np

from minicnn.training.saving import writing
from minicnn.compat.keras.saving import compile_config, h5, layer_table, model_config
from minicnn.compat.keras.saving.archive import KERAS_VERSION


def save(model, path, include_optimizer=True):
    """Write ``model`` as a legacy .h5 file at ``path``, atomically."""
    h5py = h5.require_h5py(os.fspath(path), "writing")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        file.attrs["backend"] = "tensorflow"
        file.attrs["keras_version"] = KERAS_VERSION
        file.attrs["model_config"] = json.dumps(model_config.model_to_config(model, legacy=True))
        settings = compile_config.compile_config(model) if include_optimizer else {}
        if settings:
            training = {key: value for key, value in settings.items() if key != "optimizer"}
            optimizer = settings["optimizer"]
            training["optimizer_config"] = {"class_name": optimizer["class_name"],
                                            "config": optimizer["config"]}
            file.attrs["training_config"] = json.dumps(training)
        write_layers(file.create_group("model_weights"), model)
        if settings:
            write_optimizer(file, model, settings["optimizer"]["config"]["name"])
    writing.atomic_write(path, lambda file: file.write(buffer.getvalue()))


def layer_weights(model, owner=None):
    """[(layer, [(Keras's weight path, array)])] of the model's layers, in order;
    a model used as a layer gives one entry with all its weights."""
    owner = owner or model.name
    entries = []
    for child in model.layers:
        if model_config.is_input_layer(child):
            continue
        if model_config.is_model(child):
            inner = [item for _, items in layer_weights(child, f"{owner}/{child.name}")
                     for item in items]
            entries.append((child, inner))
            continue
        keras_name = layer_table.keras_class_of(child)
        names = layer_table.variable_names(child, keras_name)
        entries.append((child, [(f"{owner}/{child.name}/{name}", np.asarray(array))
                                for name, array in zip(names, child.arrays().values())]))
    return entries


def write_layers(group, model):
    entries = layer_weights(model)
    group.attrs["layer_names"] = [layer.name for layer, _ in entries]
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = KERAS_VERSION
    for layer, items in entries:
        own = group.create_group(layer.name)
        own.attrs["weight_names"] = [name for name, _ in items]
        for name, array in items:
            own[name] = array
    group.create_group("top_level_model_weights").attrs["weight_names"] = []


def write_optimizer(file, model, optimizer_name):
    """optimizer_weights: the optimizer's variables under Keras's names
    ("adam/iteration", "adam/<model>_<layer>_kernel_momentum", ...)."""
    values = compile_config.optimizer_variables(model)
    variables = [f"{model.name}_{layer.name}_{name}" for layer in flat_layers(model)
                 if not model_config.is_model(layer) and layer.params
                 for name in layer_table.variable_names(
                     layer, layer_table.keras_class_of(layer))[:len(layer.params)]]
    layout = compile_config.slot_layout(model.optimizer)
    slots = ([f"{variable}_{keras}" for variable in variables for keras, _ in layout]
             if type(model.optimizer).__name__ in compile_config.INTERLEAVED else
             [f"{variable}_{keras}" for keras, _ in layout for variable in variables])
    names = ["iteration"] + (["learning_rate"] if len(values) > 1 + len(slots) else []) + slots
    names = [f"{optimizer_name}/{name}" for name in names]
    if len(names) != len(values):  # parameters not held by layers: number them instead
        names = [f"{optimizer_name}/variable_{i}" for i in range(len(values))]
    group = file.create_group("optimizer_weights")
    group.attrs["weight_names"] = names
    for name, value in zip(names, values):
        group[name] = value


def read_layers(h5py, group, model, where):
    """Set the weights of the model's layers that have any, in order, from the
    file's layers that have any (Keras's rule)."""
    names = [h5.text(n) for n in group.attrs.get("layer_names", [])]
    stored = []
    for name in names:
        own = h5.group(h5py, group, name, where)
        weight_names = [h5.text(n) for n in own.attrs.get("weight_names", [])]
        if weight_names:
            stored.append((name, [h5.dataset(h5py, own, n, where) for n in weight_names]))
    owners = [child for child in model.layers if not model_config.is_input_layer(child)
              and any(layer.arrays() for layer in flat_layers(child))]
    if len(stored) != len(owners):
        raise ValueError(f"{where}: the file has weights for {len(stored)} layers "
                         f"({', '.join(n for n, _ in stored)}); the model built from its config "
                         f"has {len(owners)} layers with weights "
                         f"({', '.join(owner.name for owner in owners)})")
    for owner, (name, values) in zip(owners, stored):
        layers = [layer for layer in flat_layers(owner) if layer.arrays()]
        counts = [len(layer.arrays()) for layer in layers]
        if sum(counts) != len(values):
            raise ValueError(f"{where}: model_weights/{name} holds {len(values)} arrays, layer "
                             f"{owner.name!r} has {sum(counts)}")
        start = 0
        for layer, count in zip(layers, counts):
            try:
                layer.set_weights(values[start:start + count])
            except ValueError as error:
                raise ValueError(f"{where}: model_weights/{name}: {error}") from None
            start += count


def flat_layers(obj):
    """The layers of a model (or [obj] for a layer), models used as layers giving their own."""
    if not model_config.is_model(obj):
        return [obj]
    return [layer for child in obj.layers if not model_config.is_input_layer(child)
            for layer in flat_layers(child)]
