"""keras.utils.plot_model: a model's layers as boxes and arrows, drawn with matplotlib
(Keras draws with pydot and Graphviz; minicnn needs neither)."""
import numpy as np


def _edges(model):
    """(the layers in order, [(from, to)] between their indices)."""
    layers = list(model.layers)
    index = {id(layer): i for i, layer in enumerate(layers)}
    calls = getattr(model, "calls", None)
    if calls:
        edges = []
        for call in calls:
            for source in call.inputs:
                origin = source.input_layer if source.call is None else source.call.layer
                if id(origin) in index and id(call.layer) in index:
                    edges.append((index[id(origin)], index[id(call.layer)]))
        return layers, edges
    return layers, [(i, i + 1) for i in range(len(layers) - 1)]


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw the model's layers (name and class; shapes with show_shapes) top to bottom
    (rankdir "LR": left to right), arrows along the data's way, into ``to_file``
    (PNG, PDF or SVG, by its extension). Returns the matplotlib figure."""
    import matplotlib
    matplotlib.use(matplotlib.get_backend())
    import matplotlib.pyplot as plt
    layers, edges = _edges(model)
    depth = [0] * len(layers)
    for a, b in sorted(edges, key=lambda e: e[1]):
        depth[b] = max(depth[b], depth[a] + 1)
    rows = {}
    for i, d in enumerate(depth):
        rows.setdefault(d, []).append(i)
    place = {}
    for d, members in rows.items():
        for k, i in enumerate(members):
            across = k - (len(members) - 1) / 2
            place[i] = (across, -d) if rankdir == "TB" else (d, -across)
    labels = []
    for layer in layers:
        text = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
        if show_layer_activations and getattr(layer, "activation", None):
            text += f"\nactivation: {layer.activation}"
        if show_shapes:
            text += f"\noutput: {(None,) + tuple(np.atleast_1d(layer.output_shape))}" \
                if layer.output_shape and not isinstance(layer.output_shape[0], (list, tuple)) \
                else f"\noutput: {layer.output_shape}"
        labels.append(text)
    xs, ys = zip(*place.values()) if place else ((0,), (0,))
    figure = plt.figure(figsize=(3 + 3 * (max(xs) - min(xs)), 1 + 1.2 * (max(ys) - min(ys) + 1)))
    axes = figure.add_axes([0, 0, 1, 1])
    axes.set_xlim(min(xs) - 1, max(xs) + 1)
    axes.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    axes.axis("off")
    for a, b in edges:
        axes.annotate("", xy=place[b], xytext=place[a],
                      arrowprops={"arrowstyle": "->", "shrinkA": 14, "shrinkB": 14})
    for i, text in enumerate(labels):
        axes.text(*place[i], text, ha="center", va="center", fontsize=8,
                  bbox={"boxstyle": "round", "facecolor": "white"})
    if to_file:
        figure.savefig(to_file, dpi=dpi)
    plt.close(figure)
    return figure
