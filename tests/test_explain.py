"""Saliency and Grad-CAM against numerical gradients, in float64, for both kernel twins."""
import numpy as np
import pytest

import minicnn
from minicnn import Sequential, explain, plots
from minicnn.gradcheck import numerical_gradient, rel_error
from minicnn.layers import AveragePooling2D, Conv2D, Dense, Flatten, MaxPool2D


def model_ending_in(activation, first_activation="relu"):
    minicnn.set_seed(5)
    model = Sequential([Conv2D(3, 3, activation=first_activation), MaxPool2D(2),
                        Conv2D(4, 2, padding="same"),
                        Flatten(), Dense(3, activation=activation)])
    model.build((8, 8, 2), np.float64)
    return model


def scores(model, x):
    """The last layer's pre-activation (the class scores) for x."""
    model.forward(x)
    last = model.layers[-1]
    return last.pre_activation() if last.activation in ("softmax", "sigmoid") else last.y


@pytest.mark.parametrize("activation", ["softmax", None])
def test_saliency_is_the_scores_gradient(activation, ops_mode, rng):
    model = model_ending_in(activation)
    x = rng.standard_normal((3, 8, 8, 2))
    classes = np.array([2, 0, 1])
    got = explain.saliency(model, x, classes)
    numeric = numerical_gradient(lambda: float(scores(model, x)[np.arange(3), classes].sum()), x)
    assert got.shape == x.shape and rel_error(got, numeric) < 1e-6
    predicted = scores(model, x).argmax(axis=1)
    np.testing.assert_allclose(explain.saliency(model, x),
                               explain.saliency(model, x, predicted), rtol=1e-12)


@pytest.mark.parametrize("layer", [None, 0, "conv2d"])
def test_grad_cam_from_numerical_gradients(layer, ops_mode, rng):
    # no ReLU on the first conv: its maps then have no zeros tied in the max-pool
    # windows, where a numerical derivative is undefined
    model = model_ending_in("softmax", first_activation=None)
    x = rng.standard_normal((2, 8, 8, 2))
    index = 2 if layer is None else 0
    maps = model.layer_output(x, index).copy()

    def score_from_maps():
        features = maps
        for current in model.layers[index + 1:]:
            features = current.forward(features)
        last = model.layers[-1]
        return float(last.pre_activation()[np.arange(2), [1, 2]].sum())

    grad_maps = numerical_gradient(score_from_maps, maps)
    expected = np.maximum(np.einsum("nhwk,nk->nhw", maps, grad_maps.mean(axis=(1, 2))), 0)
    got = explain.grad_cam(model, x, class_index=[1, 2], layer=layer)
    assert got.shape == maps.shape[:3]
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    assert np.any(got > 0)
    elementwise = explain.grad_cam(model, x, class_index=[1, 2], layer=layer, weighting="elementwise")
    np.testing.assert_allclose(elementwise, np.maximum((grad_maps * maps).sum(axis=3), 0),
                               rtol=1e-6, atol=1e-9)


def test_errors_and_plots(rng):
    model = model_ending_in("softmax")
    x = rng.random((4, 8, 8, 2))
    with pytest.raises(ValueError, match="class_index"):
        explain.saliency(model, x, 7)
    with pytest.raises(ValueError, match="no Conv2D"):
        explain.grad_cam(Sequential([Flatten(), Dense(2)], input_shape=(4, 4, 1)), x[:, :4, :4, :1])
    for fig in (plots.plot_saliency(model, x, [0, 1, 2, 0], ["a", "b", "c"]),
                plots.plot_grad_cam(model, x, [0, 1, 2, 0], ["a", "b", "c"])):
        assert sum(1 for ax in fig.axes if ax.images) == 4
        assert any("true a" in ax.get_title() for ax in fig.axes)


def test_saliency_is_computed_in_inference_mode(rng):
    """With Dropout in the model, a saliency map computed in training mode would
    change from call to call and differ from the inference gradient."""
    from minicnn.layers import Dropout
    minicnn.set_seed(6)
    model = Sequential([Conv2D(3, 3, activation="tanh"), Dropout(0.5), Flatten(),
                        Dense(3, activation="softmax")])
    model.build((6, 6, 1), np.float64)
    x = rng.standard_normal((2, 6, 6, 1))
    first, second = explain.saliency(model, x, 1), explain.saliency(model, x, 1)
    np.testing.assert_array_equal(first, second)
    numeric = numerical_gradient(lambda: float(scores(model, x)[:, 1].sum()), x)
    assert rel_error(first, numeric) < 1e-6


@pytest.mark.parametrize("layers,size", [
    (lambda: [Conv2D(2, 5, strides=3), AveragePooling2D(2), Conv2D(2, 3), Flatten(), Dense(2)], 40),
    (lambda: [Conv2D(2, 4, strides=2, padding="same"),
              AveragePooling2D(3, strides=2, padding="same"),
              Conv2D(2, 3, padding="same"), Flatten(), Dense(2)], 23),
])
def test_receptive_field_centres_are_where_each_unit_looks(layers, size):
    """Against the window each unit really sees: the input pixels its value depends on (the
    gradient of that one unit with respect to the input: non-zero there, with positive
    weights and average pooling), a window of the receptive field's size around the centre,
    cut where it leaves the image."""
    minicnn.set_seed(3)
    model = Sequential(layers(), input_shape=(size, size, 1))
    model.build((size, size, 1), np.float64)
    for layer in model.layers:
        if "W" in getattr(layer, "params", {}):
            layer.params["W"][...] = np.abs(layer.params["W"]) + 0.1   # no cancellation
    index = 2
    reach, step = 1, 1   # the receptive field's size: 1 + sum of (k - 1) * the strides below
    for layer in model.layers[:index + 1]:
        reach += (layer.window[0] - 1) * step
        step *= layer.strides[0]
    rows, columns = explain.receptive_field_centres(model, index)
    x = np.ones((1, size, size, 1))
    for i, j in [(0, 0), (len(rows) - 1, len(columns) - 1), (1, len(columns) // 2)]:
        model.layer_output(x, index)
        grad = np.zeros((1,) + model.layers[index].output_shape)
        grad[0, i, j, 0] = 1
        for layer in reversed(model.layers[:index + 1]):
            grad = layer.backward(grad)
        for seen, centre in ((np.flatnonzero(grad[0, :, :, 0].any(axis=1)), rows[i]),
                             (np.flatnonzero(grad[0, :, :, 0].any(axis=0)), columns[j])):
            assert seen[0] == max(centre - (reach - 1) / 2, 0)
            assert seen[-1] == min(centre + (reach - 1) / 2, size - 1)


def test_the_lesson_models_last_convolution_looks_from_9_5_to_243_5():
    from minicnn.apps.projects import xray
    rows, columns = explain.receptive_field_centres(xray.build_model(3), "conv2d_1")
    np.testing.assert_array_equal(rows, 6 * np.arange(40) + 9.5)
    np.testing.assert_array_equal(columns, rows)


def test_registered_upsample_puts_each_unit_at_its_centre():
    centres = (np.array([2.0, 6.0, 10.0]), np.array([1.0, 5.0]))
    for i, j in [(0, 0), (1, 1), (2, 0)]:
        impulse = np.zeros((3, 2))
        impulse[i, j] = 1
        up = explain.registered_upsample(impulse, centres, (13, 7))
        at_centres = up[np.ix_(centres[0].astype(int), centres[1].astype(int))]
        np.testing.assert_allclose(at_centres, impulse, atol=1e-12)   # each unit at its centre
        assert up.max() == pytest.approx(1)
    flat = explain.registered_upsample(np.ones((3, 2)), centres, (13, 7))
    np.testing.assert_allclose(flat, 1)   # edges held, weights sum to 1
    with pytest.raises(ValueError, match="centres are for"):
        explain.registered_upsample(np.ones((2, 2)), centres, (13, 7))


def test_smoothgrad_averages_the_saliency_of_noisy_copies(rng):
    model = model_ending_in("softmax")
    x = rng.standard_normal((2, 8, 8, 2))
    exact = explain.saliency(model, x)
    np.testing.assert_allclose(explain.smoothgrad(model, x, samples=1, noise=0), np.abs(exact))
    np.testing.assert_allclose(explain.smoothgrad(model, x, samples=3, noise=0, absolute=False),
                               exact, rtol=1e-12)
    noisy = explain.smoothgrad(model, x, samples=4, noise=0.2, seed=1)
    assert noisy.shape == x.shape and not np.allclose(noisy, np.abs(exact))
    np.testing.assert_array_equal(noisy, explain.smoothgrad(model, x, samples=4, noise=0.2, seed=1))
    with pytest.raises(ValueError, match="samples"):
        explain.smoothgrad(model, x, samples=0)
    with pytest.raises(ValueError, match="noise"):
        explain.smoothgrad(model, x, noise=-1)
