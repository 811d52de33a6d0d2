"""model.weights.h5, the weights inside a .keras archive, in Keras's layout:

    vars                          attribute name = the model's name
    layers/conv2d/vars/0, 1       a layer's arrays in get_weights order (kernel, bias;
                                  BatchNormalization's gamma, beta, moving_mean, moving_variance)
    layers/dense_1/vars/...       groups named by class, numbered per model (not by layer name)
    layers/sequential/layers/...  a model used as a layer, recursively
    optimizer/vars/0, 1, ...      iteration, learning_rate, then the optimizer's slots

Every layer (weightless ones too) has its ``vars`` group, whose attribute ``name``
is the layer's name.
"""
import warnings

import numpy as np

from minicnn.compat.keras.saving import compile_config, h5, layer_table, model_config
from minicnn.training.saving import importing


def write_weights(h5py, file, model, include_optimizer):
    """Write the model's weights (and optimizer variables) into an open h5py.File."""
    write_model(file, "", model)
    if include_optimizer and getattr(model, "optimizer", None) is not None \
            and getattr(model, "loss", None) is not None:
        variables = file.create_group("optimizer").create_group("vars")
        variables.attrs["name"] = compile_config.optimizer_config(model.optimizer)["config"]["name"]
        for i, value in enumerate(compile_config.optimizer_variables(model)):
            variables[str(i)] = value


def write_model(file, prefix, model):
    own = file.create_group(f"{prefix}vars") if prefix else file.create_group("vars")
    own.attrs["name"] = model.name
    for group_name, child in model_config.weight_children(model):
        path = f"{prefix}layers/{group_name}"
        if model_config.is_model(child):
            write_model(file, f"{path}/", child)
            continue
        variables = file.create_group(path).create_group("vars")
        variables.attrs["name"] = child.name
        arrays = layer_table.file_arrays(child) if hasattr(child, "arrays") else {}
        for i, array in enumerate(arrays.values()):
            variables[str(i)] = layer_table.keras_array(child, i, array)


def model_paths(model, prefix=""):
    """[(group path, layer)] of a built minicnn model's layers, as write_model names them."""
    pairs = []
    for group_name, child in model_config.weight_children(model):
        path = f"{prefix}layers/{group_name}"
        if model_config.is_model(child):
            pairs += model_paths(child, f"{path}/")
        elif hasattr(child, "arrays"):
            pairs.append((path, child))
    return pairs


def expected_of_model(model):
    """[(group path, layer, [array shapes], parameter count)] of a built model: what
    load_weights checks a file against (model_from_config.Plan.weights for a file's model)."""
    return [(path, layer, [a.shape for a in layer_table.file_arrays(layer).values()],
             len(layer.params)) for path, layer in model_paths(model)]


def check_weights(h5py, file, expected, where, budget):
    """[(group path, layer, [datasets])] for ``expected`` [(group path, layer, shapes,
    parameter count)]: each layer's group holds exactly its arrays "0", "1", ..., each
    of the expected shape and a float type, their sizes within ``budget``. Reads no data."""
    checked = []
    for path, layer, shapes, _ in expected:
        if not shapes:
            continue
        variables = h5.group(h5py, file, f"{path}/vars", where)
        names = sorted(variables.keys(), key=lambda k: (len(k), k))
        if names != [str(i) for i in range(len(shapes))]:
            raise ValueError(f"{where}: {path}/vars holds {names}, but layer {layer.name!r} "
                             f"({type(layer).__name__}) has {len(shapes)} arrays")
        nodes = []
        kinds = layer_table.array_kinds(layer, len(shapes))
        for i, shape in enumerate(shapes):
            node = h5.dataset(h5py, variables, str(i), where)
            got, _ = h5.checked_dataset(h5py, node, where, budget, kinds[i])
            if got != tuple(shape):
                raise ValueError(f"{where}: {node.name} has shape {got}; layer {layer.name!r} "
                                 f"({type(layer).__name__}) expects {tuple(shape)} for its "
                                 f"array {i}")
            nodes.append(node)
        checked.append((path, layer, nodes))
    return checked


def read_weights(checked, where):
    """[(group path, layer, [arrays])] read from checked datasets, each through the one
    import rule of every format (finite floats: training/saving/importing.py)."""
    return [(path, layer, [imported(h5.read(node, where), node.name, where, kind) for node, kind
                           in zip(nodes, layer_table.array_kinds(layer, len(nodes)))])
            for path, layer, nodes in checked]


def imported(value, name, where, kind):
    """A weight through the import rule: a float array, or a count (Normalization's)."""
    if kind == "count":
        return np.array(importing.imported_count(value, name, where), dtype=np.float64)
    return importing.imported_weight(value, name, where)


def set_weights(values, where):
    """Set each layer's arrays from read_weights's values."""
    for path, layer, arrays in values:
        try:
            layer.set_weights(arrays)
        except ValueError as error:
            raise ValueError(f"{where}: {path}: {error}") from None


def check_optimizer_variables(h5py, file, group_path, layout, where, budget):
    """The datasets of the optimizer's variables at ``group_path`` ("optimizer/vars"),
    checked against ``layout`` (compile_config.optimizer_layout: None for a scalar,
    else a slot's shape); None when the file has none, or (with a warning, as Keras)
    when their number does not fit the optimizer, which then starts afresh."""
    parent, _, last = group_path.rpartition("/")
    if not h5.has(h5py, file, parent) or not h5.has(h5py, h5.group(h5py, file, parent, where),
                                                     last):
        return None
    variables = h5.group(h5py, file, group_path, where)
    names = sorted(variables.keys(), key=lambda k: (len(k), k))
    if names != [str(i) for i in range(len(names))]:
        raise ValueError(f"{where}: {group_path} holds {str(names)[:80]}; Keras numbers the "
                         f"optimizer's variables 0, 1, ...")
    return check_variables(h5py, [h5.dataset(h5py, variables, n, where) for n in names],
                           layout, where, budget)


def check_variables(h5py, nodes, layout, where, budget):
    """``nodes`` (the optimizer's variables, in Keras's order) checked against ``layout``."""
    if layout is None:
        return None
    if len(nodes) != len(layout):
        warnings.warn(f"{where}: the optimizer's state has {len(nodes)} variables, the "
                      f"optimizer on this model keeps {len(layout)}; the loaded model's "
                      f"optimizer starts afresh", stacklevel=5)
        return None
    for i, (node, shape) in enumerate(zip(nodes, layout)):
        got, _ = h5.checked_dataset(h5py, node, where, budget, "count" if i == 0 else "float")
        if got != (shape if shape is not None else got if got in ((), (1,)) else ()):
            raise ValueError(f"{where}: {node.name} has shape {got}, the optimizer's variable "
                             f"{i} should have {shape if shape is not None else ()}")
    return nodes


def read_variables(nodes, where):
    """[(dataset name, array)] of the optimizer's checked variables."""
    return [(node.name, h5.read(node, where)) for node in nodes]
