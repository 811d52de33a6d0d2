"""The order Keras 3 gives a functional model's layers, which names their weights.

Keras numbers a model's weight groups (``layers/conv2d``, ``layers/conv2d_1``, ...) and
its optimizer's slots in the order of ``model.layers``, and for a functional model
that order comes from its graph (keras.src.ops.function.map_graph): a walk back from
each output, depth first, numbers the layers as it first meets them; each call (a
"node") gets a depth, the longest way from it to an output; the layers are listed
deepest first, ties in the walk's order. minicnn's graph models list their layers
otherwise, so the files are written and read in this order, worked out here from the
graph alone:

    nodes    {node: [the nodes whose outputs it reads, one per input tensor]}
             a node is (layer name, the call's index among that layer's calls)
    outputs  [the nodes making the model's outputs]

The walk keeps a stack instead of recursing (a chain of 10,000 layers is no
RecursionError) and refuses a node met again on its own way back (a cycle).
"""


def build_map(nodes, outputs, where):
    """(nodes from the inputs to the outputs, {layer: the walk's index}), as Keras's
    _build_map: each node after every node it reads, each once."""
    finished, in_progress, ordered, indices = set(), set(), [], {}
    for output in outputs:
        if output in finished:
            continue
        stack = [(output, None)]
        while stack:
            node, parents = stack[-1]
            if parents is None:  # first met
                if node in in_progress:
                    raise ValueError(f"{where}: the layer graph has a cycle through layer "
                                     f"{node[0]!r} (call {node[1]}): a model's layers cannot "
                                     f"read their own outputs")
                indices.setdefault(node[0], len(indices))
                in_progress.add(node)
                parents = iter(nodes[node])
                stack[-1] = (node, parents)
            parent = next(parents, None)
            if parent is None:
                stack.pop()
                in_progress.discard(node)
                finished.add(node)
                ordered.append(node)
            elif parent not in finished:
                if parent in in_progress:
                    raise ValueError(f"{where}: the layer graph has a cycle through layer "
                                     f"{parent[0]!r} (call {parent[1]}): a model's layers "
                                     f"cannot read their own outputs")
                stack.append((parent, None))
    return ordered, indices


def layer_order(nodes, inputs, outputs, where):
    """(the layers' names in Keras's ``model.layers`` order, the nodes in an order
    that computes each node's inputs before it). ``inputs``: the input layers' nodes
    (an input no output needs is listed too, as Keras lists it)."""
    ordered, indices = build_map(nodes, outputs, where)
    node_depth, layer_depth = {}, {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node[0], 0))
        layer_depth[node[0]] = node_depth[node] = depth
        for parent in nodes[node]:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for node in inputs:
        if node[0] not in layer_depth:
            layer_depth[node[0]], indices[node[0]] = 0, -1
    layers = sorted(layer_depth, key=lambda name: (-layer_depth[name], indices[name]))
    return layers, ordered
