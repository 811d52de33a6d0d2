"""Each plot returns a matplotlib Figure with what it promises on it."""
import numpy as np
import pytest
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


def test_the_history_names_keras_pooled_auc_and_feature_map_titles_fit():
    fig = plots.plot_history({"loss": [1.0, 0.5], "auc": [0.5, 0.7]})
    assert "pooled" in fig.axes[1].get_title()
    model = Sequential([Conv2D(5, 3, activation="relu"), Flatten(), Dense(3)], input_shape=(12, 12, 1))
    fig = plots.plot_feature_maps(model, np.ones((12, 12, 1)), layer=0, true_class=0,
                                  class_names=["Covid", "Normal", "Pneumonia"])
    fig.canvas.draw()
    title = fig._suptitle
    box = title.get_window_extent(fig.canvas.get_renderer())
    assert "\n" in title.get_text() and box.x0 >= 0 and box.x1 <= fig.bbox.width  # not cut off


def test_saliency_methods_and_grad_cam_registered(rng):
    from minicnn import explain
    from minicnn.apps.projects import xray
    model = xray.build_model(3)
    x = rng.random((2, 256, 256, 1)).astype(np.float32)
    for method, words in (("smoothgrad", "SmoothGrad"), ("gradient", "grid")):
        fig = plots.plot_saliency(model, x, [0, 1], ["a", "b", "c"], method=method, samples=2)
        assert words in fig._suptitle.get_text() and sum(1 for ax in fig.axes if ax.images) == 2
    fig = plots.plot_grad_cam(model, x, [0, 1], ["a", "b", "c"], band=0.125)
    assert "receptive field" in fig._suptitle.get_text()
    cams = explain.grad_cam(model, x)
    for ax, cam in zip([ax for ax in fig.axes if ax.images], cams):
        assert ("empty map" in ax.get_title()) == (not cam.any())
        assert any(type(p).__name__ == "Rectangle" for p in ax.patches)  # the band's edge
    with pytest.raises(ValueError, match="method"):
        plots.plot_saliency(model, x, method="magic")


def test_box_average_is_a_moving_mean():
    maps = np.arange(2 * 7 * 9, dtype=float).reshape(2, 7, 9)
    averaged = plots._box_average(maps, 3)
    assert averaged.shape == maps.shape
    assert averaged[0, 3, 4] == pytest.approx(maps[0, 2:5, 3:6].mean())
    np.testing.assert_array_equal(plots._box_average(maps, 1), maps)


def test_border_checks_and_recipes_side_by_side(rng):
    from minicnn.apps.projects import xray
    check = {"border_swap": {"own": 0.5, "donor": 0.4, "neither": 0.1, "control_own": 0.9},
             "occlusion": {"clean": 0.8, "centre_blacked": 0.5, "band_blacked": 0.55}}
    fig = plots.plot_border_checks({"one": check, "two": check}, chance=0.4)
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]
    assert len(fig.axes[0].patches) == 7 and "40%" in [t.get_text() for t in fig.axes[0].texts]
    models = {"lesson": xray.build_model(3), "masked": xray.RECIPES["masked-border"].build_model(3)}
    models["masked"].metadata = xray.RECIPES["masked-border"].metadata()
    images = rng.integers(0, 256, (3, 256, 256, 1)).astype(np.uint8)
    fig = plots.plot_where_it_looks(models, images, [0, 1, 2], ["a", "b", "c"],
                                    {"lesson": check, "masked": check}, 0.125)
    pictures = [ax for ax in fig.axes if ax.images]
    assert len(pictures) == 6
    shown = pictures[3].images[0].get_array()   # the masked model's first image: its band is 0
    assert np.all(np.asarray(shown)[:32] == 0) and np.asarray(shown)[128, 128] > 0
