"""Figures for training runs and for looking inside a network.

Each function returns a matplotlib Figure made through pyplot, so that it
shows where figures show: as the cell's value in Jupyter (once, with no magic),
with ``plt.show()`` in a script, and saved with ``fig.savefig(path)`` anywhere
(headless machines included). Close figures you are done with
(``plt.close(fig)``) in long scripts.
"""
import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from minicnn.explain import grad_cam, last_conv_index, saliency
from minicnn.metrics import as_labels


class NotebookFigure(Figure):
    """A Figure that Jupyter shows once when it is a cell's value: it draws
    itself as PNG and leaves pyplot, whose end-of-cell display would show it
    a second time."""

    def _ipython_display_(self):
        from IPython.display import Image as PNG, display
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi)
        plt.close(self)
        display(PNG(buffer.getvalue()))


def _figure(width, height):
    return plt.figure(figsize=(width, height), layout="constrained", FigureClass=NotebookFigure)


def _columns_for(count, most=8):
    """A column count for a grid of ``count`` panels that leaves no orphan row if it can."""
    low = min(most, max(1, int(np.ceil(np.sqrt(count)))))
    for columns in range(low, most + 1):
        if count % columns == 0:
            return columns
    return min(most, count)


def _picture(image):
    """What imshow can draw: grey for one channel, RGB for three, else the channel mean."""
    if image.shape[2] == 3:
        return np.clip(image, 0, 1) if image.max() <= 1 else image.astype(np.uint8)
    return image[:, :, 0] if image.shape[2] == 1 else image.mean(axis=2)


def _class_name(names, k):
    return str(k) if names is None else str(names[k])


def plot_history(history, metrics=None):
    """Loss and each metric per epoch, training and validation, one panel each.

    history: a History, or its ``.history`` dict ("loss", "accuracy", "val_loss", ...).
    """
    logs = getattr(history, "history", history)
    names = metrics or [k for k in logs if not k.startswith("val_")]
    fig = _figure(4.2 * len(names), 3.4)
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


def plot_confusion_matrix(matrix, class_names=None, title=None, normalize=False, split=None):
    """True classes on rows, predicted on columns, each cell annotated.

    normalize=True shows each row as fractions of its true class (so a class the
    model never predicts shows a column of zeros whatever its size); the title
    names the split and the accuracy.
    """
    counts = np.asarray(matrix)
    k = len(counts)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    rows = counts.sum(axis=1, keepdims=True)
    shown = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0) if normalize else counts
    accuracy = np.trace(counts) / counts.sum() if counts.sum() else 0.0
    fig = _figure(1.2 * k + 2.8, 1.1 * k + 2)
    ax = fig.subplots()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(image, ax=ax, shrink=0.8, label="fraction of the true class" if normalize else "images")
    ax.set_xticks(range(k), names, rotation=30, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    where = f"{split}: " if split else ""
    ax.set_title(title or f"{where}accuracy {accuracy:.3f} ({int(counts.sum())} images)")
    threshold = shown.max() / 2 if shown.size else 0
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}\n({counts[i, j]})" if normalize else str(counts[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=9,
                    color="white" if shown[i, j] > threshold else "black")
    return fig


def plot_filters(layer_or_weights, columns=8, title=None):
    """The filters of a Conv2D layer (or its W, shape (kh, kw, C_in, F)) as a grid.

    One colour scale for all filters, symmetric around 0 (a colorbar gives the
    weights); filters with several input channels show their mean over them.
    """
    weights = np.asarray(getattr(layer_or_weights, "params", {"W": layer_or_weights})["W"])
    count = weights.shape[3]
    columns = _columns_for(count, columns)
    rows = -(-count // columns)
    fig = _figure(1.3 * columns + 1.2, 1.3 * rows + 0.6)
    axes = fig.subplots(rows, columns, squeeze=False)
    mean = weights.mean(axis=2)
    limit = float(np.abs(mean).max()) or 1.0
    for ax in axes.flat:
        ax.axis("off")
    for f in range(count):
        ax = axes[f // columns, f % columns]
        image = ax.imshow(mean[:, :, f], cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest")
        ax.set_title(f"{f}", fontsize=8)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8,
                 label="weight" + (" (mean over input channels)" if weights.shape[2] > 1 else ""))
    fig.suptitle(title or f"{getattr(layer_or_weights, 'name', 'conv')} filters "
                          f"({weights.shape[0]}x{weights.shape[1]}, {weights.shape[2]} in)")
    return fig


def plot_feature_maps(model, image, layer=0, columns=8, max_maps=32, true_class=None,
                      class_names=None):
    """The channels of one image's activation at ``layer`` (index or name), on one
    colour scale with a colorbar; maps that are zero everywhere (dead ReLUs) are
    marked. The title names the true class (when given) and the predicted one."""
    image = np.asarray(image)
    batch = image[None] if image.ndim == 3 else image[:1]
    maps = model.layer_output(batch, layer)[0]
    if maps.ndim != 3:
        raise ValueError(f"plot_feature_maps: layer {layer!r} outputs shape {maps.shape}, "
                         f"not feature maps (height, width, channels)")
    predicted = int(as_labels(model.predict(batch))[0])
    count = min(maps.shape[2], max_maps)
    columns = _columns_for(count + 1, columns)
    rows = -(-(count + 1) // columns)
    fig = _figure(1.7 * columns + 1.0, 1.7 * rows + 0.7)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    axes.flat[0].imshow(_picture(batch[0]), cmap="gray")
    axes.flat[0].set_title("input", fontsize=8)
    low, high = float(maps.min()), float(maps.max())
    for c in range(count):
        ax = axes.flat[c + 1]
        picture = ax.imshow(maps[:, :, c], cmap="viridis", vmin=low, vmax=high)
        dead = not np.any(maps[:, :, c])
        ax.set_title(f"{c}" + (" (all zero)" if dead else ""), fontsize=8,
                     color="red" if dead else "black")
    fig.colorbar(picture, ax=axes.ravel().tolist(), shrink=0.8, label="activation")
    name = layer if isinstance(layer, str) else model.layers[layer].name
    truth = f"true {_class_name(class_names, true_class)}, " if true_class is not None else ""
    fig.suptitle(f"feature maps after {name} {tuple(maps.shape)}; {truth}"
                 f"predicted {_class_name(class_names, predicted)}")
    return fig


def _upsample(heatmap, size):
    """A (h, w) map resized to size (height, width), bilinearly."""
    picture = Image.fromarray(np.asarray(heatmap, dtype=np.float32), mode="F")
    return np.asarray(picture.resize((size[1], size[0]), Image.Resampling.BILINEAR))


def _heatmap_grid(images, heatmaps, labels, predicted, class_names, title, signed):
    count = len(images)
    columns = _columns_for(count, 6)
    rows = -(-count // columns)
    fig = _figure(2.3 * columns + 0.8, 2.5 * rows + 0.5)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for k in range(count):
        ax = axes.flat[k]
        picture = images[k]
        ax.imshow(_picture(picture), cmap="gray")
        # each map on its own scale: its largest value is 1 (Grad-CAM); a saliency
        # map's 99th percentile of |gradient| is 1 (a few pixels would else hide the rest)
        top = np.percentile(np.abs(heatmaps[k]), 99) if signed else np.abs(heatmaps[k]).max()
        scaled = np.clip(heatmaps[k] / max(float(top), 1e-30), -1, 1)
        overlay = ax.imshow(_upsample(scaled, picture.shape[:2]), alpha=0.55,
                            cmap="RdBu_r" if signed else "jet", vmin=-1 if signed else 0, vmax=1)
        truth = f"true {_class_name(class_names, labels[k])}\n" if labels is not None else ""
        wrong = labels is not None and labels[k] != predicted[k]
        ax.set_title(f"{truth}predicted {_class_name(class_names, predicted[k])}", fontsize=8,
                     color="red" if wrong else "black")
    fig.colorbar(overlay, ax=axes.ravel().tolist(), shrink=0.8,
                 label="relative to the image's " + ("99th percentile" if signed else "largest value"))
    fig.suptitle(title)
    return fig


def plot_saliency(model, images, labels=None, class_names=None, class_index=None):
    """Each image with its saliency map over it: d(score of the class)/d(pixel),
    summed over channels, signed (red raises the score, blue lowers it). The
    class is the predicted one unless class_index is given."""
    images = np.asarray(images)
    predicted = as_labels(model.predict(images))
    maps = saliency(model, images, class_index).sum(axis=3)
    labels = None if labels is None else as_labels(labels)
    return _heatmap_grid(images, maps, labels, predicted, class_names,
                         "saliency: the score's gradient with respect to each pixel", True)


def plot_grad_cam(model, images, labels=None, class_names=None, class_index=None, layer=None,
                  weighting="mean"):
    """Each image with its Grad-CAM heatmap (upsampled from the conv layer's grid):
    where the convolution's features raise the class's score (weighting as in
    explain.grad_cam)."""
    images = np.asarray(images)
    predicted = as_labels(model.predict(images))
    cams = grad_cam(model, images, class_index, layer, weighting)
    labels = None if labels is None else as_labels(labels)
    name = model.layers[last_conv_index(model) if layer is None else
                        (layer if isinstance(layer, int) else
                         [ly.name for ly in model.layers].index(layer))].name
    method = "Grad-CAM" if weighting == "mean" else "HiResCAM (elementwise Grad-CAM)"
    return _heatmap_grid(images, cams, labels, predicted, class_names, f"{method} on {name}",
                         False)
