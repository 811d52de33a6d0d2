"""A minicnn functional model that is a graph (compat/functional.py's Model: merges,
several inputs or outputs, shared layers) as Keras's Functional config.

The model keeps its layer calls (``model.calls``, training/symbolic.py's Call: the
layer, the KerasTensors it read, those it made). Each call becomes one entry of its
layer's ``inbound_nodes``, numbered per layer; each tensor it read is written as
Keras's ``__keras_tensor__`` with ``keras_history`` [layer, call, output]; the layers
are listed in the order Keras gives them (graph_order.py), which also names their
weight groups and orders the optimizer's slots. graph_plan.py reads it back.
"""
from minicnn.compat.keras.saving import graph_order, layer_table


def is_graph(model):
    """A functional model that is not a chain (minicnn's Model made from inputs and outputs)."""
    return getattr(model, "graph", None) is not None and hasattr(model, "calls")


def graph_of(model):
    """(nodes {(layer, call): [(layer, call) read]}, {id(call): (layer name, call
    index)}, input nodes, output nodes) of a graph model."""
    check_names(model)
    nodes, node_of, counts = {}, {}, {}
    for tensor in model.symbolic_inputs:
        nodes[(tensor.input_layer.name, 0)] = []
    for call in model.calls:
        index = counts.get(call.layer.name, 0)
        counts[call.layer.name] = index + 1
        node_of[id(call)] = (call.layer.name, index)
        nodes[(call.layer.name, index)] = [tuple(source_of(t, node_of)[:2]) for t in call.inputs]
    inputs = [(t.input_layer.name, 0) for t in model.symbolic_inputs]
    outputs = [tuple(source_of(t, node_of)[:2]) for t in model.symbolic_outputs]
    return nodes, node_of, inputs, outputs


def source_of(tensor, node_of):
    """[layer, call, output] of a KerasTensor (an input's is [its InputLayer, 0, 0])."""
    if tensor.call is None:
        return [tensor.input_layer.name, 0, 0]
    return [*node_of[id(tensor.call)], tensor.index]


def check_names(model):
    layers = [t.input_layer for t in model.symbolic_inputs] + [c.layer for c in model.calls]
    seen = {}
    for layer in layers:
        if seen.setdefault(layer.name, layer) is not layer:
            raise ValueError(f"{model.name}: two layers are named {layer.name!r}; a Keras file "
                             f"names each layer's calls by its name")


def keras_layers(model):
    """The model's layers (its InputLayers first) in Keras's order of ``model.layers``."""
    nodes, _, inputs, outputs = graph_of(model)
    names, _ = graph_order.layer_order(nodes, inputs, outputs, model.name)
    by_name = {t.input_layer.name: t.input_layer for t in model.symbolic_inputs}
    by_name.update({call.layer.name: call.layer for call in model.calls})
    return [by_name[name] for name in names]


def graph_to_config(model, child_config, legacy=False):
    """Keras's serialized Functional model. ``child_config(layer)``: a layer's (or a
    model's) entry, {"module", "class_name", "config", "registered_name"}."""
    nodes, node_of, _, _ = graph_of(model)
    dtype = model.dtype.name
    calls = {}
    for call in model.calls:
        calls.setdefault(call.layer.name, []).append(call)
    layers = []
    for layer in keras_layers(model):
        if type(layer).__name__ == layer_table.INPUT_LAYER:
            layers.append(input_entry(layer, dtype))
            continue
        own = calls[layer.name]
        entry = child_config(layer)
        first = own[0].inputs
        shapes = [[None, *t.per_sample] for t in first]
        entry["build_config"] = {"input_shape": shapes if own[0].several else shapes[0]}
        entry["name"] = layer.name
        entry["inbound_nodes"] = [node_config(call, node_of, dtype) for call in own]
        layers.append(entry)
    config = {"name": model.name, "trainable": True, "layers": layers,
              "input_layers": ends(model.symbolic_inputs, node_of, False),
              "output_layers": ends(model.symbolic_outputs, node_of,
                                    getattr(model, "output_structure", None))}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": config, "registered_name": "Functional",
            "build_config": {"input_shape": None}}


def input_entry(layer, dtype):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None, *layer.shape], "dtype": dtype, "sparse": False,
                       "ragged": False, "name": layer.name, "optional": False},
            "registered_name": None, "name": layer.name, "inbound_nodes": []}


def node_config(call, node_of, dtype):
    """One call as Keras writes it: {"args": [tensor] or [[tensors]], "kwargs": {}}."""
    tensors = [{"class_name": "__keras_tensor__", "config": {
        "shape": [None, *t.per_sample], "dtype": dtype,
        "keras_history": source_of(t, node_of)}} for t in call.inputs]
    return {"args": [tensors] if call.several else tensors, "kwargs": {}}


def ends(tensors, node_of, structure):
    """input_layers / output_layers: [name, 0, 0] for one tensor, a list of them for
    several, a dict of them for outputs given as a dict (as Keras writes them)."""
    refs = [source_of(t, node_of) for t in tensors]
    if isinstance(structure, dict) and len(structure) == len(refs):
        return dict(zip(structure, refs))
    if len(refs) == 1 and not isinstance(structure, (list, tuple)):
        return refs[0]
    return refs
