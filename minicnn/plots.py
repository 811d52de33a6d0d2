"""Figures for training runs and for looking inside a network.

Each function returns a matplotlib Figure built without pyplot, so it works
headless (scripts save it with ``fig.savefig(path)``) and shows inline in a
notebook when it is the cell's value.
"""
import numpy as np
from matplotlib.figure import Figure


def _grid(count, columns=8):
    columns = min(columns, count)
    return -(-count // columns), columns


def plot_history(history, metrics=None):
    """Loss and each metric per epoch, training and validation, one panel each.

    history: a History, or its ``.history`` dict ("loss", "accuracy", "val_loss", ...).
    """
    logs = getattr(history, "history", history)
    names = metrics or [k for k in logs if not k.startswith("val_")]
    fig = Figure(figsize=(4.2 * len(names), 3.4), layout="constrained")
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], "o-", label="training")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def plot_confusion_matrix(matrix, class_names=None, title="Confusion matrix"):
    """Counts in a colour grid, annotated; true classes on rows, predicted on columns."""
    matrix = np.asarray(matrix)
    k = len(matrix)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    fig = Figure(figsize=(1.2 * k + 2.5, 1.1 * k + 2), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(k), names, rotation=30, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > threshold else "black")
    return fig


def plot_filters(layer_or_weights, columns=8, title=None):
    """The filters of a Conv2D layer (or its W, shape (kh, kw, C_in, F)) as a grid.

    One-channel filters are shown in grey, three-channel ones as RGB, others
    as the mean over input channels; each filter scaled to its own range.
    """
    weights = np.asarray(getattr(layer_or_weights, "params", {"W": layer_or_weights})["W"])
    count = weights.shape[3]
    rows, columns = _grid(count, columns)
    fig = Figure(figsize=(1.3 * columns, 1.3 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for f, ax in enumerate(axes.flat):
        ax.axis("off")
        if f >= count:
            continue
        kernel = weights[:, :, :, f]
        kernel = kernel if kernel.shape[2] == 3 else kernel.mean(axis=2)
        span = kernel.max() - kernel.min()
        ax.imshow((kernel - kernel.min()) / (span if span else 1), cmap="gray",
                  interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(f"{f}", fontsize=8)
    fig.suptitle(title or f"{getattr(layer_or_weights, 'name', 'conv')} filters "
                          f"({weights.shape[0]}x{weights.shape[1]}, {weights.shape[2]} in)")
    return fig


def plot_feature_maps(model, image, layer=0, columns=8, max_maps=32):
    """The channels of one image's activation at ``layer`` (index or name)."""
    image = np.asarray(image)
    maps = model.layer_output(image[None] if image.ndim == 3 else image, layer)[0]
    if maps.ndim != 3:
        raise ValueError(f"plot_feature_maps: layer {layer!r} outputs shape {maps.shape}, "
                         f"not feature maps (height, width, channels)")
    count = min(maps.shape[2], max_maps)
    rows, columns = _grid(count + 1, columns)
    fig = Figure(figsize=(1.6 * columns, 1.6 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    shown = image if image.ndim == 3 else image[0]
    axes.flat[0].imshow(shown[:, :, 0] if shown.shape[2] == 1 else shown, cmap="gray")
    axes.flat[0].set_title("input", fontsize=8)
    for c in range(count):
        axes.flat[c + 1].imshow(maps[:, :, c], cmap="viridis")
        axes.flat[c + 1].set_title(f"{c}", fontsize=8)
    name = layer if isinstance(layer, str) else model.layers[layer].name
    fig.suptitle(f"feature maps after {name} {tuple(maps.shape)}")
    return fig
