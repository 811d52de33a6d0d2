"""The pictures of the exercise notebooks, drawn with minicnn's own ops (never the
student's, which may not exist yet). Each returns a Figure that Jupyter shows
once as a cell's value (minicnn.apps.plots.NotebookFigure)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from minicnn.layers import Dropout
from minicnn.ops import reference
from minicnn.ops.windows import output_size
from minicnn.optimizers import SGD, Adam
from minicnn.apps.plots import NotebookFigure

COLOURS = ("tab:red", "tab:blue", "tab:green", "tab:orange")


def figure(width, height):
    return plt.figure(figsize=(width, height), layout="constrained", FigureClass=NotebookFigure)


def _grid(ax, rows, columns, title, shade=None):
    """An empty grid of rows x columns pixels; ``shade`` marks padding (True) grey."""
    ax.imshow(np.zeros((rows, columns)) if shade is None else shade, cmap="Greys", vmin=0,
              vmax=3, extent=(0, columns, rows, 0))
    ax.set_xticks(range(columns + 1), minor=True)
    ax.set_yticks(range(rows + 1), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=10)


def sliding_windows(height=5, width=6, kernel=3, stride=2, pad=1):
    """The padded input with the first windows outlined, and the output they make."""
    out_h = output_size(height + 2 * pad, kernel, stride)
    out_w = output_size(width + 2 * pad, kernel, stride)
    fig = figure(9, 3.6)
    left, right = fig.subplots(1, 2, width_ratios=[width + 2 * pad, out_w + 2])
    shade = np.ones((height + 2 * pad, width + 2 * pad))
    shade[pad:pad + height, pad:pad + width] = 0
    _grid(left, height + 2 * pad, width + 2 * pad,
          f"input {height}x{width}, padded by {pad} (grey): {kernel}x{kernel} windows, "
          f"stride {stride}", shade)
    _grid(right, out_h, out_w, f"output {out_h}x{out_w}:\n(H + 2*pad - kh) // stride + 1")
    for colour, (i, j) in zip(COLOURS, [(0, 0), (0, 1), (1, 0), (1, 1)]):
        left.add_patch(Rectangle((j * stride + 0.08, i * stride + 0.08), kernel - 0.16,
                                 kernel - 0.16, fill=False, edgecolor=colour, linewidth=2.5))
        right.add_patch(Rectangle((j + 0.08, i + 0.08), 0.84, 0.84, color=colour, alpha=0.7))
    return fig


def im2col_rows(size=4, kernel=2, stride=1):
    """A tiny image (its pixels numbered) and its im2col matrix: one row per window."""
    image = np.arange(size * size, dtype=float).reshape(1, size, size, 1)
    out = output_size(size, kernel, stride)
    cols = reference.im2col(image, kernel, kernel, stride, stride, out, out)
    fig = figure(8, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=[size, cols.shape[1] * 1.6])
    for ax, values, title in [(left, image[0, :, :, 0], f"image {size}x{size}"),
                              (right, cols, f"im2col: {cols.shape[0]} windows x "
                                            f"{kernel}*{kernel} pixels")]:
        ax.imshow(values, cmap="Blues", vmin=-4, vmax=size * size + 4)
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, int(v), ha="center", va="center", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=10)
    right.set_ylabel("window (i, j), row by row")
    left.add_patch(Rectangle((-0.45, -0.45), kernel - 0.1, kernel - 0.1, fill=False,
                             edgecolor="tab:red", linewidth=2.5))
    right.add_patch(Rectangle((-0.45, -0.45), cols.shape[1] - 0.1, 0.9, fill=False,
                              edgecolor="tab:red", linewidth=2.5))
    return fig


def window_counts(height=6, width=6, kernel=3):
    """In how many windows each pixel lies: what col2im adds up for it."""
    fig = figure(8, 3.6)
    for ax, stride in zip(fig.subplots(1, 2), (1, kernel)):
        out_h, out_w = output_size(height, kernel, stride), output_size(width, kernel, stride)
        ones = np.ones((out_h * out_w, kernel * kernel))
        counts = reference.col2im(ones, (1, height, width, 1), kernel, kernel, stride, stride,
                                  out_h, out_w)[0, :, :, 0]
        ax.imshow(counts, cmap="Oranges", vmin=0, vmax=kernel * kernel)
        for (r, c), v in np.ndenumerate(counts):
            ax.text(c, r, int(v), ha="center", va="center", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{kernel}x{kernel} windows, stride {stride}: windows per pixel", fontsize=10)
    return fig


def max_pooling():
    """A 4x4 input in 2x2 windows: each window's maximum, and where its gradient goes
    (the first maximum in scan order, on the tie in the last window)."""
    x = np.array([[1, 5, 2, 0], [3, 2, 7, 1], [0, 4, 6, 6], [2, 1, 6, 6]], float)
    y, cache = reference.maxpool2d_forward(x[None, :, :, None], (2, 2), (2, 2), (0, 0, 0, 0))
    dx = reference.maxpool2d_backward(np.ones_like(y), cache)[0, :, :, 0]
    fig = figure(8, 3.4)
    left, right = fig.subplots(1, 2, width_ratios=[4, 2])
    left.imshow(dx, cmap="Greens", vmin=0, vmax=1.5)
    for (r, c), v in np.ndenumerate(x):
        left.text(c, r, int(v), ha="center", va="center", fontsize=11)
    for i in (1.5,):
        left.axhline(i, color="k", linewidth=2)
        left.axvline(i, color="k", linewidth=2)
    left.set_title("input; green: the maximum that gets\nthe gradient (a tie: the first one)",
                   fontsize=10)
    right.imshow(y[0, :, :, 0], cmap="Greens", vmin=0, vmax=14)
    for (r, c), v in np.ndenumerate(y[0, :, :, 0]):
        right.text(c, r, int(v), ha="center", va="center", fontsize=11)
    right.set_title("output: 2x2 windows, stride 2", fontsize=10)
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def relu():
    """ReLU and its derivative (0 at 0, by convention)."""
    z = np.linspace(-3, 3, 601)
    fig = figure(8, 3)
    left, right = fig.subplots(1, 2)
    left.plot(z, np.maximum(z, 0))
    left.set_title("relu(x) = max(x, 0)", fontsize=10)
    right.plot(z, (z > 0).astype(float), drawstyle="steps-post")
    right.set_title("its derivative: 1 where x > 0, else 0", fontsize=10)
    for ax in (left, right):
        ax.axhline(0, color="0.7", linewidth=0.8)
        ax.axvline(0, color="0.7", linewidth=0.8)
    return fig


def dropout(image, rate=0.5, seed=0):
    """An image through inverted dropout, in training (dropped, survivors scaled by
    1 / (1 - rate)) and at test time (unchanged)."""
    layer = Dropout(rate, seed=seed)
    layer.build(image.shape, np.float64)
    batch = image[None].astype(np.float64)
    shown = {"input": image, f"training (rate {rate})": layer.forward(batch, True)[0],
             "test time": layer.forward(batch, False)[0]}
    fig = figure(10, 3.6)
    for ax, (title, values) in zip(fig.subplots(1, 3), shown.items()):
        ax.imshow(values[:, :, 0], cmap="gray", vmin=0, vmax=1 / (1 - rate))
        ax.set_title(f"{title}: mean {values.mean():.3f}", fontsize=10)
        ax.axis("off")
    return fig


def optimizer_paths(steps=40):
    """Plain SGD, SGD with momentum and Adam on a long narrow valley,
    loss = (w0**2 + 25 * w1**2) / 2, from the same start (minicnn's optimizers)."""
    scale = np.array([1.0, 25.0])
    runs = {"SGD, learning rate 0.035": SGD(0.035),
            "SGD, learning rate 0.02, momentum 0.9": SGD(0.02, momentum=0.9),
            "Adam, learning rate 0.2": Adam(0.2)}
    fig = figure(6.5, 4)
    ax = fig.subplots()
    a, b = np.meshgrid(np.linspace(-5.5, 1.5, 200), np.linspace(-1.6, 1.6, 200))
    ax.contour(a, b, (a ** 2 + 25 * b ** 2) / 2, levels=12, colors="0.8")
    for colour, (label, optimizer) in zip(COLOURS, runs.items()):
        w, path = np.array([-5.0, 1.2]), []
        for _ in range(steps):
            path.append(w.copy())
            optimizer.apply_gradients([("w", w, scale * w)])
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], "o-", markersize=2.5, color=colour, label=label)
    ax.plot(0, 0, "k*", markersize=10)
    ax.set_title(f"{steps} steps from the same start toward the minimum (*)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return fig
