"""Looking inside: summary, trace, layer_output."""
import numpy as np
import pytest

from minicnn import Sequential
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D
from conftest import small_cnn


# -- summary and trace ----------------------------------------------------------------
def test_summary_table(capsys):
    model = Sequential(input_shape=(128, 128, 3))
    for layer in [Conv2D(8, 3, strides=2, activation="relu"), MaxPool2D(2),
                  Conv2D(8, 3, strides=2, activation="relu"), MaxPool2D(2), Flatten(),
                  Dense(16, activation="relu"), Dense(4, activation="softmax")]:
        model.add(layer)
    model.summary()
    out = capsys.readouterr().out
    assert "conv2d (Conv2D)" in out and "conv2d_1 (Conv2D)" in out
    assert "(None, 63, 63, 8)" in out and "(None, 7, 7, 8)" in out and "(None, 392)" in out
    # 3*3*3*8+8 + 3*3*8*8+8 + 392*16+16 + 16*4+4
    assert f"Total params: {224 + 584 + 6288 + 68:,}" in out


def test_trace_reports_every_layer(rng, capsys):
    model = small_cnn()
    model.compile("adam", "categorical_crossentropy")
    rows = model.trace(rng.standard_normal((4, 8, 8, 2)), np.eye(3)[[0, 1, 2, 0]])
    out = capsys.readouterr().out
    assert [r["layer"] for r in rows] == [layer.name for layer in model.layers]
    assert rows[0]["input_shape"] == (4, 8, 8, 2) and rows[-1]["output_shape"] == (4, 3)
    assert rows[0]["norms"]["W"][1] > 0 and "fwd ms" in out and "dense_1" in out


def test_layer_output_by_index_and_name(rng):
    model = small_cnn()
    x = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)
    first = model.layer_output(x, 0)
    assert first.shape == (2, 8, 8, 3) and np.all(first >= 0)  # after the fused ReLU
    np.testing.assert_array_equal(model.layer_output(x, "flatten"), model.layer_output(x, 5))
    with pytest.raises(ValueError, match="no layer 'nope'"):
        model.layer_output(x, "nope")

