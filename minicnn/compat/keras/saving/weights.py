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
import numpy as np

from minicnn.compat.keras.saving import compile_config, h5, model_config


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
        for i, array in enumerate(child.arrays().values() if hasattr(child, "arrays") else []):
            variables[str(i)] = np.asarray(array)


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


def read_weights(h5py, file, paths, where):
    """Set each layer's arrays from its group (``paths``: [(group path, layer)]);
    the number and shapes of the arrays are checked, naming the layer."""
    for path, layer in paths:
        arrays = layer.arrays()
        if not arrays:
            continue
        variables = h5.group(h5py, file, f"{path}/vars", where)
        names = sorted(variables.keys(), key=lambda k: (len(k), k))
        if names != [str(i) for i in range(len(arrays))]:
            raise ValueError(f"{where}: {path}/vars holds {names}, but layer {layer.name!r} "
                             f"({type(layer).__name__}) has {len(arrays)} arrays "
                             f"({', '.join(arrays)})")
        values = [h5.dataset(h5py, variables, str(i), where) for i in range(len(arrays))]
        try:
            layer.set_weights(values)
        except ValueError as error:
            raise ValueError(f"{where}: {path}: {error}") from None


def read_optimizer_variables(h5py, file, where):
    """The optimizer's variables, in order, or None when the file has none."""
    if "optimizer" not in file or "vars" not in file["optimizer"]:
        return None
    variables = h5.group(h5py, file, "optimizer/vars", where)
    count = len(variables.keys())
    return [h5.dataset(h5py, variables, str(i), where) for i in range(count)]
