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
    for child in model_config.keras_layers(model):
        if model_config.is_input_layer(child):
            continue
        if model_config.is_model(child):
            inner = [item for _, items in layer_weights(child, f"{owner}/{child.name}")
                     for item in items]
            entries.append((child, inner))
            continue
        keras_name = layer_table.keras_class_of(child)
        names = layer_table.variable_names(child, keras_name)
        entries.append((child, [(f"{owner}/{child.name}/{name}",
                                 layer_table.keras_array(child, i, array))
                                for i, (name, array) in enumerate(zip(
                                    names, layer_table.file_arrays(child).values()))]))
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
    keras_names = {f"{layer.name}.{key}": f"{model.name}_{layer.name}_{name}"
                   for layer in model_config.flat_layers(model) if hasattr(layer, "arrays")
                   for key, name in zip(layer_table.file_arrays(layer), layer_table.variable_names(
                       layer, layer_table.keras_class_of(layer)))}
    order = compile_config.slot_order(model.optimizer, model_config.keras_parameters(model))
    slots = [f"{keras_names.get(key, key)}_{keras}" for key, _, keras, _ in order]
    names = (["iteration"] + (["learning_rate"] if compile_config.has_rate_variable(
        model.optimizer) else []) + slots + compile_config.scalar_names(model.optimizer))
    names = [f"{optimizer_name}/{name}" for name in names]
    if len(names) != len(values):  # parameters not held by layers: number them instead
        names = [f"{optimizer_name}/variable_{i}" for i in range(len(values))]
    group = file.create_group("optimizer_weights")
    group.attrs["weight_names"] = names
    for name, value in zip(names, values):
        group[name] = value


def check_layers(h5py, group, plan, where, budget):
    """[(group path, layer, [datasets])]: the file's layers that have weights matched,
    in order, to the plan's layers that have weights (Keras's rule), every dataset's
    shape and type checked (h5.checked_dataset) and its size spent from ``budget``.
    Reads no data."""
    stored = []
    for name in h5.texts(group, "layer_names", where):
        own = h5.group(h5py, group, name, where)
        weight_names = h5.texts(own, "weight_names", where)
        if weight_names:
            stored.append((name, [h5.dataset(h5py, own, n, where) for n in weight_names]))
    owners = weight_owners(plan)
    if len(stored) != len(owners):
        raise ValueError(f"{where}: the file has weights for {len(stored)} layers "
                         f"({', '.join(n for n, _ in stored)}); the model built from its config "
                         f"has {len(owners)} layers with weights "
                         f"({', '.join(name for name, _ in owners)})")
    checked = []
    for (owner, layers), (name, nodes) in zip(owners, stored):
        count = sum(len(shapes) for _, shapes in layers)
        if count != len(nodes):
            raise ValueError(f"{where}: model_weights/{name} holds {len(nodes)} arrays, layer "
                             f"{owner!r} has {count}")
        start = 0
        for layer, shapes in layers:
            mine = nodes[start:start + len(shapes)]
            for node, shape, kind in zip(mine, shapes, layer_table.array_kinds(layer, len(shapes))):
                got, _ = h5.checked_dataset(h5py, node, where, budget, kind)
                if got != tuple(shape):
                    raise ValueError(f"{where}: {node.name} has shape {got}; layer "
                                     f"{layer.name!r} ({type(layer).__name__}) expects "
                                     f"{tuple(shape)}")
            checked.append((f"model_weights/{name}", layer, mine))
            start += len(shapes)
    return checked


def weight_owners(plan):
    """[(name, [(layer, array shapes)])] of the plan's children that hold weights, in
    order; a model used as a layer is one owner with its layers' weights."""
    owners = []
    for path, child in plan.children:
        inner = [(layer, shapes) for p, layer, shapes, _ in plan.weights
                 if (p == path or p.startswith(path + "/")) and shapes]
        if inner:
            owners.append((child.name, inner))
    return owners
