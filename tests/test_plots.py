"""Each plot returns a matplotlib Figure with what it promises on it."""
import numpy as np
from matplotlib.figure import Figure

from minicnn import Sequential, plots
from minicnn.layers import Conv2D, Flatten, Dense


def test_history_plot_has_a_panel_per_metric(tmp_path):
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.1, 0.7],
               "val_accuracy": [0.4, 0.7]}
    fig = plots.plot_history(history)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2  # training and validation
    fig.savefig(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_confusion_matrix_plot_annotates_counts():
    fig = plots.plot_confusion_matrix(np.array([[3, 1], [0, 5]]), ["cat", "dog"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["3", "1", "0", "5"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["cat", "dog"]


def test_filters_and_feature_maps(rng):
    model = Sequential([Conv2D(6, 3, activation="relu"), Flatten(), Dense(2)], input_shape=(10, 10, 1))
    fig = plots.plot_filters(model.layers[0])
    assert sum(1 for ax in fig.axes if ax.images) == 6
    fig = plots.plot_feature_maps(model, rng.random((10, 10, 1)), layer=0)
    assert sum(1 for ax in fig.axes if ax.images) == 7  # the input and 6 maps
    rgb = Conv2D(4, 3)
    rgb.build((8, 8, 3))
    assert sum(1 for ax in plots.plot_filters(rgb.params["W"]).axes if ax.images) == 4
