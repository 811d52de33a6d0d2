"""Functional models read from Keras's config: any graph of layer calls (merges, several
inputs and outputs, shared layers), checked and planned before anything is built.

Keras's Functional config lists each layer once with ``inbound_nodes``: one entry per
call of the layer (a shared layer has several), each naming the tensors it reads as
``keras_history`` [layer, call, output], a merge reading a list of them;
``input_layers`` and ``output_layers`` name the model's ends the same way.

``read_graph`` checks all of it before any layer is made: every reference names a layer
of the model, one of its calls and one of its outputs; the walk back from the outputs
(graph_order.py, as Keras's) meets each call once and refuses a cycle; every call is
on the way to an output and every input it needs is an input of the model; at most
MAX_CALLS calls of at most MAX_CALL_INPUTS tensors. ``GraphPlan.trace`` then works out
every call's output shape and every layer's weights from the input shapes (a merge
takes a list and only a merge does; a shared layer takes one shape each time, as
minicnn's shared layers do), and ``build_graph`` makes the model as a user would:
keras.Input, each layer called on the tensors it reads, keras.Model(inputs, outputs).
"""
import warnings

from minicnn.compat.keras.saving import graph_order
from minicnn.compat.keras.saving import plan as base

MAX_CALLS = 10_000         # layer calls in one model (a shared layer's calls each count)
MAX_CALL_INPUTS = 1_000    # tensors one call reads


class GraphPlan(base.Plan):
    """A functional model from its config, not built: ``inputs`` [(input layer name,
    declared per-sample shape)], ``outputs`` [(layer, call, output)] (``output_keys``
    when Keras wrote them as a dict), ``calls`` [(layer, call, [(layer, call, output)
    read], whether a list is read)] in an order that computes what each reads first,
    ``names`` the names of ``children`` (Keras's order of the model's layers)."""

    def __init__(self, name, graph, children, names):
        inputs = graph["inputs"]
        super().__init__("Graph", name, inputs[0][1] if len(inputs) == 1 else None,
                         inputs[0][0] if len(inputs) == 1 else None, children)
        self.inputs, self.outputs = inputs, graph["outputs"]
        self.output_keys, self.calls, self.names = graph["output_keys"], graph["calls"], names

    @property
    def several_inputs(self):
        return len(self.inputs) > 1

    @property
    def several_outputs(self):
        return len(self.outputs) > 1 or self.output_keys is not None

    def fix_shape(self, where, input_shape=None):
        if not self.several_inputs:
            return super().fix_shape(where, input_shape)
        if input_shape is not None:
            raise ValueError(f"{where}: input_shape= gives the size of a model with one input; "
                             f"this one has {len(self.inputs)}")
        for name, shape in self.inputs:
            if None in shape:
                raise ValueError(f"{where}: input {name!r} has shape {base.shown(shape)} (free "
                                 f"dimensions); minicnn reads models of several inputs only "
                                 f"when every size is given")
            base.check_size(shape, where, f"the input {name!r}")
        _, self.weights = self.trace([shape for _, shape in self.inputs], where)

    def trace(self, shape, where, prefix=""):
        """(output shape(s), weights) on per-sample input shape(s): every call's
        shapes in the order of ``calls``, each layer's weights from its first call,
        listed in the order of the model's layers."""
        given = [tuple(s) for s in shape] if self.several_inputs else [tuple(shape)]
        self.input_shape = given if self.several_inputs else given[0]
        known = {(name, 0, 0): s for (name, _), s in zip(self.inputs, given)}
        children = dict(zip(self.names, self.children))
        first, weights = {}, {}
        for layer, index, sources, several in self.calls:
            read = [self.read(known, source, layer, where) for source in sources]
            argument = read if several else read[0]
            if layer in first:
                if _tuples(first[layer][0]) != _tuples(argument):
                    raise ValueError(f"{where}: layer {layer!r} is called on inputs of shape "
                                     f"{_batch(first[layer][0])} and of shape "
                                     f"{_batch(argument)}; a layer used twice (a shared "
                                     f"layer) takes one shape in minicnn")
                outputs = first[layer][1]
            else:
                path, child = children[layer]
                outputs, weights[layer] = call_shapes(child, layer, argument, several, where,
                                                      f"{prefix}{path}")
                first[layer] = (argument, outputs)
            for i, out in enumerate(outputs):
                known[(layer, index, i)] = out
        ends = [self.read(known, ref, "the model's outputs", where) for ref in self.outputs]
        self.output_shape = ends if self.several_outputs else ends[0]
        return self.output_shape, [w for name in self.names for w in weights.get(name, [])]

    @staticmethod
    def read(known, source, reader, where):
        if source not in known:
            raise ValueError(f"{where}: {reader if ' ' in reader else f'layer {reader!r}'} "
                             f"reads output {source[2]} of layer {source[0]!r} (call "
                             f"{source[1]}), which has no such output")
        return known[source]


def call_shapes(child, name, argument, several, where, path):
    """([output shapes], [(path, layer, array shapes, parameter count)]) of one call."""
    from minicnn.layers.merging import Merge

    if isinstance(child, base.Plan):
        takes_list = isinstance(child, GraphPlan) and child.several_inputs
        if several != takes_list:
            raise ValueError(f"{where}: model {name!r} is called on {_count(argument, several)}"
                             f"; it takes {'a list of tensors' if takes_list else 'one'}")
        out, weights = child.trace(argument, where, f"{path}/")
        return (list(out) if getattr(child, "several_outputs", False) else [out]), weights
    kind = type(child).__name__
    if several != isinstance(child, Merge):
        raise ValueError(f"{where}: layer {name!r} ({kind}) is called on "
                         f"{_count(argument, several)}; " + (
                             "a merge layer takes a list of tensors" if not several else
                             "it takes one (a list is for the merge layers: Add, Concatenate, "
                             "Multiply, ...)"))
    if several and len(argument) < child.minimum:
        raise ValueError(f"{where}: layer {name!r} ({kind}) is called on {len(argument)} "
                         f"tensors; it takes at least {child.minimum}")
    try:
        params, state = base.stored_arrays(child, argument)
        out = tuple(child.compute_output_shape(argument))
    except (ValueError, TypeError, OverflowError, IndexError) as error:
        raise ValueError(f"{where}: layer {name!r} ({kind}) on inputs of shape "
                         f"{_batch(argument)}: {error}") from None
    base.check_size(out, where, f"the output of layer {name!r}")
    return [out], [(path, child, params + state, len(params))]


def _count(argument, several):
    return f"a list of {len(argument)} tensors" if several else "one tensor"


def _tuples(shape):
    return [tuple(s) for s in shape] if shape and isinstance(shape[0], (list, tuple)) else \
        tuple(shape)


def _batch(shape):
    if shape and isinstance(shape[0], (list, tuple)):
        return "[" + ", ".join(base.shown((None,) + tuple(s)) for s in shape) + "]"
    return base.shown((None,) + tuple(shape))


# -- reading the graph from the config ----------------------------------------------------------
def read_graph(config, entries, names, where, entry):
    """The graph of a Functional config, checked: {"inputs": [(name, declared shape)],
    "outputs", "output_keys", "calls", "order": the layers' names in Keras's order}."""
    by_name = dict(zip(names, entries))
    inputs = end_refs(config.get("input_layers"), where, f"{entry}: config.input_layers")[1]
    output_keys, outputs = end_refs(config.get("output_layers"), where,
                                    f"{entry}: config.output_layers")
    if not inputs or not outputs:
        raise ValueError(f"{where}: {entry}: the model has {len(inputs)} inputs and "
                         f"{len(outputs)} outputs; it needs at least one of each")
    declared = []
    for name, index, tensor in inputs:
        item = by_name.get(name)
        if item is None or item["class_name"] != "InputLayer" or (index, tensor) != (0, 0):
            raise ValueError(f"{where}: {entry}: the input {[name, index, tensor]!r:.80} is not "
                             f"an InputLayer of the model")
        shape = base.input_shape_from(item.get("config", {}), where, f"{entry}: layer {name!r}")
        if shape is None:
            raise ValueError(f"{where}: {entry}: the input layer {name!r} declares no shape "
                             f"(batch_shape)")
        base.check_dtype(item.get("config", {}), where, f"{entry}: the input layer {name!r}")
        declared.append((name, shape))
    if len({name for name, _ in declared}) != len(declared):
        raise ValueError(f"{where}: {entry}: an input layer is listed twice in input_layers")
    calls, nodes, total = {}, {}, 0
    for item, name in zip(entries, names):
        if item["class_name"] == "InputLayer":
            nodes[(name, 0)] = []
            continue
        module = item.get("module")
        if isinstance(module, str) and module.startswith("keras.src.ops"):
            raise ValueError(f"{where}: {entry}: {name!r} is Keras's operation "
                             f"{item['class_name']} ({module}: arithmetic such as x + y on "
                             f"symbolic tensors), not a layer; minicnn reads models of layers "
                             f"(write it as layers.Add()([x, y]), layers.Multiply(), ...)")
        made = inbound_calls(item, name, where, entry)
        total += len(made)
        if total > MAX_CALLS:
            raise ValueError(f"{where}: {entry} has more than {MAX_CALLS:,} layer calls")
        for index, (sources, several) in enumerate(made):
            calls[(name, index)] = (sources, several)
            nodes[(name, index)] = [source[:2] for source in sources]
    for node, parents in nodes.items():
        for parent in parents:
            if parent not in nodes:
                raise ValueError(f"{where}: {entry}: layer {node[0]!r} reads layer "
                                 f"{parent[0]!r} (call {parent[1]}), " + (
                                     "which is not a layer of the model" if parent[0] not in
                                     by_name else "which has no such call"))
    for name, index, tensor in outputs:
        if (name, index) not in nodes:
            raise ValueError(f"{where}: {entry}: the output {[name, index, tensor]!r:.80} is "
                             f"not a call of a layer of the model")
    order, ordered = graph_order.layer_order(nodes, [(name, 0) for name, _ in declared],
                                             [ref[:2] for ref in outputs], where)
    check_reached(ordered, nodes, {name for name, _ in declared}, where, entry)
    return {"inputs": declared, "outputs": outputs, "output_keys": output_keys, "order": order,
            "calls": [(node[0], node[1], *calls[node]) for node in ordered if node in calls]}


def check_reached(ordered, nodes, inputs, where, entry):
    """Every call is on the way to an output, from the model's own inputs."""
    reached = set(ordered)
    for node in ordered:
        if not nodes[node] and node[0] not in inputs:  # an InputLayer's node
            raise ValueError(f"{where}: {entry}: the outputs need layer {node[0]!r}, an input "
                             f"that is not among the model's inputs (input_layers)")
    for node in nodes:
        if node not in reached and node[0] not in inputs:
            raise ValueError(f"{where}: {entry}: layer {node[0]!r} (call {node[1]}) is not on "
                             f"the way from the inputs to the outputs; Keras writes only the "
                             f"calls a model makes")


def end_refs(value, where, entry):
    """input_layers / output_layers: [name, 0, 0], [[name, 0, 0], ...] or {key: [name,
    0, 0]} -> (the keys or None, [(name, call, output)])."""
    keys = None
    if isinstance(value, dict):
        keys = list(value)
        value = [value[key] for key in keys]
    value = base.array(value, where, entry)
    items = value if value and isinstance(value[0], list) else [value]
    return keys, [reference(item, where, entry) for item in items]


def reference(item, where, entry):
    """(layer name, call, output) from [name, call, output] (Keras 2 adds {kwargs})."""
    item = base.array(item, where, entry)
    if len(item) < 3 or not isinstance(item[0], str) or not all(
            base.is_int(i) and 0 <= i < MAX_CALLS for i in item[1:3]):
        raise ValueError(f"{where}: {entry} must name a tensor as [layer name, call, output], "
                         f"got {item!r:.80}")
    return item[0], item[1], item[2]


def inbound_calls(item, name, where, entry):
    """[([(layer, call, output) read], whether a list is read)] per call of a layer entry
    (Keras 3's {"args": [...], "kwargs": {}} nodes, or Keras 2's [[name, 0, 0, {}], ...])."""
    nodes = base.array(item.get("inbound_nodes") or [], where,
                       f"{entry}: layer {name!r} inbound_nodes")
    if not nodes:
        raise ValueError(f"{where}: {entry}: layer {name!r} is called on nothing (no "
                         f"inbound_nodes); every layer of a functional model reads a tensor")
    return [inbound_call(node, name, where, f"{entry}: layer {name!r} inbound_nodes[{i}]",
                         item["class_name"]) for i, node in enumerate(nodes)]


# Keras writes training=False into the calls of layers whose call defaults to it
# (Dropout); a model run with training set overrides it, and minicnn always runs a
# layer in its model's mode. Where that matters beyond dropout, a warning says so.
TRAINING_MATTERS = ("BatchNormalization", "Sequential", "Functional", "Model")


def inbound_call(node, name, where, shown, kind=""):
    if isinstance(node, dict):
        kwargs = node.get("kwargs") or {}
        base.obj(kwargs, where, f"{shown}.kwargs")
        extra = {k: v for k, v in kwargs.items() if v is not None and not (
            k == "training" and isinstance(v, bool))}
        if kwargs.get("training") is not None and "training" not in extra and \
                kind in TRAINING_MATTERS:
            warnings.warn(f"{where}: layer {name!r} ({kind}) is called with training="
                          f"{kwargs['training']} in the file; minicnn calls it in the model's "
                          f"mode (training in fit, inference in predict), as Keras does when "
                          f"the model is called with training set", stacklevel=6)
        if extra:
            raise ValueError(f"{where}: layer {name!r} is called with {extra!r:.80}; minicnn "
                             f"reads layers called on their inputs alone")
        args = base.array(node.get("args", []), where, f"{shown}.args")
        several = len(args) == 1 and isinstance(args[0], list)
        tensors = args[0] if several else args
        if not several and len(tensors) != 1:
            raise ValueError(f"{where}: {shown}.args holds {len(tensors)} arguments; a layer "
                             f"is called on one tensor or on one list of them")
        sources = [keras_tensor(t, where, f"{shown}.args") for t in tensors[:MAX_CALL_INPUTS + 1]]
    else:
        items = base.array(node, where, shown)
        several = len(items) > 1
        sources = [reference(item, where, shown) for item in items[:MAX_CALL_INPUTS + 1]]
    if len(sources) > MAX_CALL_INPUTS:
        raise ValueError(f"{where}: {shown} reads more than {MAX_CALL_INPUTS:,} tensors")
    if not sources:
        raise ValueError(f"{where}: {shown} reads no tensor")
    return sources, several


def keras_tensor(value, where, shown):
    config = value.get("config") if isinstance(value, dict) else None
    if not isinstance(config, dict) or value.get("class_name") != "__keras_tensor__" or \
            "keras_history" not in config:
        raise ValueError(f"{where}: {shown} holds {value!r:.60}, not a tensor of the model "
                         f"(a layer of a file is called on tensors only)")
    return reference(config["keras_history"], where, f"{shown} keras_history")


# -- building ------------------------------------------------------------------------------------
def build_graph(plan, children, where):
    """The minicnn model of a traced GraphPlan, made as a user makes one: keras.Input
    per input, each layer called on the tensors it reads, keras.Model(inputs, outputs)
    (a chain comes back as minicnn's Functional, a Sequential)."""
    from minicnn.compat.functional import Model
    from minicnn.training.symbolic import Input

    shapes = plan.input_shape if plan.several_inputs else [plan.input_shape]
    inputs = [Input(shape=shape, name=name) for (name, _), shape in zip(plan.inputs, shapes)]
    tensors = {(name, 0, 0): tensor for (name, _), tensor in zip(plan.inputs, inputs)}
    built = dict(zip(plan.names, children))
    try:
        for layer, index, sources, several in plan.calls:
            read = [tensors[source] for source in sources]
            made = built[layer](read if several else read[0])
            for i, tensor in enumerate(made if isinstance(made, (list, tuple)) else [made]):
                tensors[(layer, index, i)] = tensor
        ends = [tensors[ref] for ref in plan.outputs]
        outputs = (dict(zip(plan.output_keys, ends)) if plan.output_keys is not None else
                   ends if len(ends) > 1 else ends[0])
        return Model(inputs=inputs if len(inputs) > 1 else inputs[0], outputs=outputs,
                     name=plan.name)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{where}: model {plan.name!r}: {error}") from None
    except RecursionError:  # minicnn's model classes walk a graph recursively
        raise ValueError(f"{where}: model {plan.name!r}: its graph of {len(plan.calls):,} "
                         f"calls is too deep for minicnn's functional models") from None
