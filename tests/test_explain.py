"""Saliency and Grad-CAM against numerical gradients, in float64, for both kernel twins."""
import numpy as np
import pytest

import minicnn
from minicnn import Sequential, explain, plots
from minicnn.gradcheck import numerical_gradient, rel_error
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D


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
