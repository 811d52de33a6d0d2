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

from matplotlib.patches import Rectangle

from minicnn.apps.explain import (grad_cam, last_conv_index, receptive_field_centres,
                             registered_upsample, saliency, smoothgrad)
from minicnn.training.metrics import as_labels

# what the history's metric names mean, where a name alone could mislead
METRIC_TITLES = {"auc": "auc (Keras's: every class pooled into one ROC curve)"}


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


def plot_history(history, metrics=None, note=None):
    """Loss and each metric per epoch, training and validation, one panel each.

    history: a History, or its ``.history`` dict ("loss", "accuracy", "val_loss", ...);
    note: a line under the panels (how to read them).
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
        ax.set_title(METRIC_TITLES.get(name, name), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend()
    if note:
        fig.supxlabel(note, fontsize=8)
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
    fig.suptitle(f"feature maps after {name} {tuple(maps.shape)}\n{truth}"
                 f"predicted {_class_name(class_names, predicted)}", fontsize=10)
    return fig


def _upsample(heatmap, size):
    """A (h, w) map stretched to size (height, width), bilinearly (a saliency map already
    has the image's size: it comes back unchanged)."""
    if tuple(np.shape(heatmap)) == tuple(size):
        return np.asarray(heatmap, dtype=np.float64)
    picture = Image.fromarray(np.asarray(heatmap, dtype=np.float32), mode="F")
    return np.asarray(picture.resize((size[1], size[0]), Image.Resampling.BILINEAR))


def _overlay(ax, heat, cmap):
    """A 0..1 map over an image: its colour from ``cmap``, its opacity growing with the value
    (0 leaves the image as it is), so that the picture stays readable where the map is cold."""
    colours = plt.get_cmap(cmap)(np.clip(heat, 0, 1))
    colours[..., 3] = 0.75 * np.clip(heat, 0, 1)
    ax.imshow(colours)
    return plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))


def _outline_band(ax, shape, band):
    """A dashed frame where the border band (the outer ``band`` of each side) begins."""
    height, width = shape[:2]
    rows, columns = round(band * height), round(band * width)
    ax.add_patch(Rectangle((columns - 0.5, rows - 0.5), width - 2 * columns, height - 2 * rows,
                           fill=False, linestyle="--", linewidth=0.8, edgecolor="white"))


def _heatmap_grid(images, heatmaps, labels, predicted, class_names, title, scale, cmap,
                  colorbar_label, place=None, band=None, notes=None):
    """Each image with its heatmap over it. scale: "signed" (-1..1 from the 99th percentile
    of |map|), "percentile" (0..1, the 99th percentile of the map is 1) or "max" (0..1, the
    map's maximum is 1); place(map, image shape) puts a map on the image (default: as it is,
    or stretched); notes: a line per image under its title."""
    count = len(images)
    columns = _columns_for(count, 6)
    rows = -(-count // columns)
    fig = _figure(2.3 * columns + 0.8, 2.6 * rows + 0.8)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    place = place or _upsample
    for k in range(count):
        ax = axes.flat[k]
        picture = images[k]
        ax.imshow(_picture(picture), cmap="gray")
        heat = np.asarray(heatmaps[k], dtype=np.float64)
        top = np.percentile(np.abs(heat), 99) if scale != "max" else np.abs(heat).max()
        shown = np.clip(heat / max(float(top), 1e-30), -1 if scale == "signed" else 0, 1)
        if scale == "signed":
            overlay = ax.imshow(place(shown, picture.shape[:2]), alpha=0.55, cmap=cmap,
                                vmin=-1, vmax=1)
        else:
            overlay = _overlay(ax, place(shown, picture.shape[:2]), cmap)
        if band:
            _outline_band(ax, picture.shape, band)
        truth = f"true {_class_name(class_names, labels[k])}\n" if labels is not None else ""
        wrong = labels is not None and labels[k] != predicted[k]
        note = f"\n{notes[k]}" if notes and notes[k] else ""
        ax.set_title(f"{truth}predicted {_class_name(class_names, predicted[k])}{note}",
                     fontsize=8, color="red" if wrong else "black")
    fig.colorbar(overlay, ax=axes.ravel().tolist(), shrink=0.8, label=colorbar_label)
    fig.suptitle(title, fontsize=10)
    return fig


def _box_average(maps, size):
    """Each (N, H, W) map averaged over a size x size window around every pixel (edges
    repeated): what the maps say at the resolution of a grid of that step."""
    if size <= 1:
        return maps
    before, after = (size - 1) // 2, size // 2
    padded = np.pad(maps, ((0, 0), (before, after), (before, after)), mode="edge")
    sums = padded.cumsum(axis=1).cumsum(axis=2)
    sums = np.pad(sums, ((0, 0), (1, 0), (1, 0)))
    height, width = maps.shape[1:]
    total = (sums[:, size:size + height, size:size + width] - sums[:, :height, size:size + width]
             - sums[:, size:size + height, :width] + sums[:, :height, :width])
    return total / size ** 2


def _grid_step(model):
    """The pixel step between the last convolution's units (1 without a convolution)."""
    try:
        rows, _ = receptive_field_centres(model, last_conv_index(model))
    except ValueError:
        return 1
    return int(round(rows[1] - rows[0])) if len(rows) > 1 else 1


def plot_saliency(model, images, labels=None, class_names=None, class_index=None,
                  method="smoothgrad", samples=20, noise=0.15, band=None):
    """Each image with its saliency map over it, for the predicted class (or class_index).

    method="smoothgrad" (default): |d score / d pixel| averaged over ``samples`` noisy copies
    of the image (noise: a fraction of its range), then over windows of the last
    convolution's grid step (6 pixels in the X-ray model): bright where the pixels move the
    score most. method="gradient": the raw gradient, signed (red raises the score, blue
    lowers it); on a strided, max-pooled network it is a grid (explain.py says why).
    band: draw the border band's inner edge (a fraction of each side)."""
    if method not in ("smoothgrad", "gradient"):
        raise ValueError(f"plot_saliency: method must be 'smoothgrad' or 'gradient', "
                         f"got {method!r}")
    images = np.asarray(images)
    predicted = as_labels(model.predict(images))
    labels = None if labels is None else as_labels(labels)
    if method == "gradient":
        maps = saliency(model, images, class_index).sum(axis=3)
        return _heatmap_grid(images, maps, labels, predicted, class_names,
                             "saliency: d score / d pixel (red raises the class's score, "
                             "blue lowers it)\nits regular grid is the network's strides and "
                             "max-pools, not the image", "signed", "RdBu_r",
                             "relative to the map's 99th percentile of |gradient|", band=band)
    step = _grid_step(model)
    maps = _box_average(smoothgrad(model, images, class_index, samples, noise).sum(axis=3), step)
    return _heatmap_grid(images, maps, labels, predicted, class_names,
                         f"SmoothGrad: |d score / d pixel|, the mean over {samples} noisy copies "
                         f"(noise {noise:.0%} of the range)\nand over {step}x{step}-pixel windows; "
                         f"bright: changing these pixels moves the class's score most",
                         "percentile", "jet", "relative to the map's 99th percentile", band=band)


def plot_grad_cam(model, images, labels=None, class_names=None, class_index=None, layer=None,
                  weighting="mean", band=None):
    """Each image with its Grad-CAM heatmap (weighting as in explain.grad_cam): where the
    convolution's features raise the class's score. Each unit of the layer is drawn at
    the centre of its receptive field on the image (explain.registered_upsample), not
    stretched over it; an all-zero map (every weighted channel negative) says so. band:
    draw the border band's inner edge (a fraction of each side)."""
    images = np.asarray(images)
    predicted = as_labels(model.predict(images))
    index = last_conv_index(model) if layer is None else (
        layer if isinstance(layer, int) else [ly.name for ly in model.layers].index(layer))
    cams = grad_cam(model, images, class_index, index, weighting)
    labels = None if labels is None else as_labels(labels)
    centres = receptive_field_centres(model, index)
    method = "Grad-CAM" if weighting == "mean" else "HiResCAM (elementwise Grad-CAM)"
    notes = ["(empty map: every weighted channel < 0)" if not np.any(cam) else "" for cam in cams]
    return _heatmap_grid(images, cams, labels, predicted, class_names,
                         f"{method} on {model.layers[index].name}, each unit at its receptive "
                         f"field's centre\nwhere features raise the class's score: a hint, "
                         f"not proof of what the decision needs", "max", "jet",
                         "relative to the map's largest value",
                         place=lambda heat, size: registered_upsample(heat, centres, size),
                         band=band, notes=notes)


def _swap_bars(ax, check, chance=None):
    """One model's border checks as bars: the swap's three outcomes, the control, occlusion."""
    swap, occluded = check["border_swap"], check["occlusion"]
    rows = [("pasted border of another class:\nstays with the image's class", swap["own"],
             "tab:green"),
            ("... follows the pasted border", swap["donor"], "tab:red"),
            ("... neither", swap["neither"], "0.6"),
            ("pasted border of the same class:\nstays right (control)", swap["control_own"],
             "tab:blue"),
            ("accuracy, whole films", occluded["clean"], "0.3"),
            ("... centre blacked out (border only)", occluded["centre_blacked"], "tab:orange"),
            ("... border blacked out (centre only)", occluded["band_blacked"], "tab:purple")]
    positions = np.arange(len(rows))[::-1]
    ax.barh(positions, [value for _, value, _ in rows], color=[colour for *_, colour in rows])
    ax.set_yticks(positions, [name for name, _, _ in rows], fontsize=7)
    for position, (_, value, _) in zip(positions, rows):
        inside = value > 0.85  # no room to the right: written on the bar's end, in white
        ax.text(value - 0.02 if inside else value + 0.02, position, f"{value:.0%}", va="center",
                ha="right" if inside else "left", fontsize=7, color="white" if inside else "black")
    if chance is not None:
        ax.axvline(chance, color="black", linestyle=":", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.tick_params(axis="x", labelsize=7)
    ax.axhline(2.5, color="0.8", linewidth=0.6)


def plot_border_checks(checks, chance=None, title=None):
    """The border checks (shortcuts.summary.where_it_looks results, or dicts with their
    "border_swap" and "occlusion") of one or more models, {name: check}, side by side:
    the swap's outcomes, its control, and occlusion. chance: a dotted line (the largest
    class's share)."""
    fig = _figure(4.3 * len(checks) + 1.6, 3.2)
    axes = fig.subplots(1, len(checks), squeeze=False)[0]
    for ax, (name, check) in zip(axes, checks.items()):
        _swap_bars(ax, check, chance)
        ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_where_it_looks(models, images, labels, class_names, checks, band, chance=None,
                        title=None):
    """Models side by side, one row each: Grad-CAM on the same images as each model sees
    them (its own rescaling and mask, shortcuts.inputs_for), each unit at its receptive
    field's centre and the band's edge dashed, then the model's border checks as bars
    (checks: {name: check} as plot_border_checks). models: {name: model}; images: uint8."""
    from minicnn.apps.shortcut_learning.interventions import inputs_for
    images, labels = np.asarray(images), as_labels(labels)
    count = len(images)
    fig = _figure(1.75 * count + 4.6, 2.05 * len(models) + 0.7)
    grid = fig.add_gridspec(len(models), count + 1, width_ratios=[1] * count + [2.2])
    for row, (name, model) in enumerate(models.items()):
        x = inputs_for(model)(images)
        predicted = as_labels(model.predict(x))
        index = last_conv_index(model)
        cams = grad_cam(model, x, layer=index)
        centres = receptive_field_centres(model, index)
        for k in range(count):
            ax = fig.add_subplot(grid[row, k])
            ax.axis("off")
            ax.imshow(_picture(x[k]), cmap="gray", vmin=0, vmax=1)
            top = cams[k].max()
            if top > 0:
                _overlay(ax, registered_upsample(cams[k] / top, centres, x.shape[1:3]), "jet")
            _outline_band(ax, x.shape[1:3], band)
            wrong = predicted[k] != labels[k]
            ax.set_title(f"{_class_name(class_names, labels[k])} -> "
                         f"{_class_name(class_names, predicted[k])}"
                         + ("" if top > 0 else "\n(empty map)"), fontsize=7,
                         color="red" if wrong else "black")
            if k == 0:
                ax.text(-0.08, 0.5, name, transform=ax.transAxes, rotation=90, ha="right",
                        va="center", fontsize=8)
        _swap_bars(fig.add_subplot(grid[row, count]), checks[name], chance)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def plot_reliance_profile(profiles, band=None, title=None):
    """How much each ring of the film drives each model, against the ring's depth.

    profiles: {name: a reliance profile (shortcuts.rings.reliance_profile), or a list of
    them (one model per seed)}: one panel each, side by side. x: each ring's middle, in % of
    the side from the edge (0 the edge, 50 the middle). Grey bars: the ring's share of the
    image's area. Red: how often a pasted ring of another class sets the prediction to the
    donor's class. Blue, dashed: what the same-class control's errors give (where a ring the
    model ignores would sit). With several profiles, their mean and (shaded) their range.
    band: a dotted line at that depth (the band a recipe masks)."""
    fig = _figure(4.2 * len(profiles) + 0.6, 3.4)
    axes = fig.subplots(1, len(profiles), squeeze=False, sharey=True)[0]
    top = 0.5
    for k, (ax, (name, found)) in enumerate(zip(axes, profiles.items())):
        found = found if isinstance(found, (list, tuple)) else [found]
        rings = found[0]["rings"]
        middle = np.array([50 * (r["outer"] + r["inner"]) for r in rings])
        width = 100 * (rings[0]["inner"] - rings[0]["outer"])
        pick = lambda f: np.array([[f(r["swap"]) if "excess" in r["swap"] else np.nan
                                    for r in p["rings"]] for p in found])
        follow, expected = pick(lambda s: s["donor"]), pick(lambda s: s["donor"] - s["excess"])
        top = max(top, 1.15 * max(np.nanmax(follow), max(r["area"] for r in rings)))
        ax.bar(middle, [r["area"] for r in rings], width=0.9 * width, color="0.85",
               label="the ring's share of the image")
        for values, style, colour, label in (
                (follow, "o-", "tab:red", "a ring of another class pasted in:\n"
                                          "the prediction follows it"),
                (expected, "s--", "tab:blue", "what the same-class control's\nerrors give")):
            ax.plot(middle, np.nanmean(values, axis=0), style, color=colour, markersize=4,
                    label=label)
            if len(found) > 1:
                ax.fill_between(middle, np.nanmin(values, axis=0), np.nanmax(values, axis=0),
                                color=colour, alpha=0.15, linewidth=0)
        if band is not None:
            ax.axvline(100 * band, color="black", linestyle=":", linewidth=0.8)
        clean = np.mean([p["clean"] for p in found])
        ax.set_title(f"{name}: test accuracy {clean:.3f}"
                     + (f" (mean of {len(found)})" if len(found) > 1 else ""), fontsize=9)
        ax.set_xlim(0, 50)
        ax.set_xlabel("depth of the ring (% of each side from the edge)", fontsize=8)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.set_ylabel("share", fontsize=8)
            ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylim(0, min(1, top))
    if title:
        fig.suptitle(title, fontsize=9)
    return fig
