"""ONNX export: ONNX Runtime's output equals model.predict (skipped without the onnx extra)."""
import json

import numpy as np
import pytest

import minicnn
from minicnn import Sequential
from minicnn.layers import (Activation, AveragePooling2D, Conv2D, Dense, Dropout, Flatten,
                            GlobalAveragePooling2D, MaxPooling2D, ReLU)
from minicnn.apps.projects import galaxy, xray

onnx = pytest.importorskip("onnx", reason="the onnx extra is not installed")
ort = pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
from minicnn.apps.export import to_onnx  # noqa: E402


def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0], session


def assert_same_as_predict(model, tmp_path, rng):
    path = tmp_path / "model.onnx"
    to_onnx(model, path)
    onnx.checker.check_model(onnx.load(str(path)))
    for batch in (1, 7):
        x = rng.standard_normal((batch,) + model.input_shape).astype(np.float32)
        got, _ = run_onnx(path, x)
        np.testing.assert_allclose(got, model.predict(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("recipe", [xray, galaxy], ids=["xray", "galaxy"])
def test_the_recipes_export_exactly(recipe, tmp_path, rng):
    minicnn.set_seed(0)
    model = recipe.build_model(num_classes=4 if recipe is galaxy else 3)
    model.metadata = {"class_names": ["a", "b", "c", "d"][:model.output_shape[0]],
                      "rescale": 1 / 255}
    assert_same_as_predict(model, tmp_path, rng)
    proto = onnx.load(str(tmp_path / "model.onnx"))
    props = {p.key: json.loads(p.value) for p in proto.metadata_props}
    assert props["class_names"] == model.metadata["class_names"] and props["rescale"] == 1 / 255
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["probabilities"]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == list(model.input_shape)


def random_model(rng):
    """A small random stack that uses every layer and option minicnn has (a layer
    whose window no longer fits its input is left out)."""
    activations = [None, "relu", "sigmoid", "tanh", "linear"]
    model = Sequential(input_shape=(15, 13, int(rng.integers(1, 4))))

    def add(layer):
        try:
            model.add(layer)
        except ValueError:
            model.layers.pop()
            model.build(model.input_shape)
    layers = []
    for _ in range(int(rng.integers(1, 3))):
        layers.append(Conv2D(int(rng.integers(1, 5)),
                             (int(rng.integers(1, 4)), int(rng.integers(1, 4))),
                             strides=(int(rng.integers(1, 3)), int(rng.integers(1, 3))),
                             padding=str(rng.choice(["valid", "same"])),
                             activation=rng.choice(activations), use_bias=bool(rng.random() < 0.7)))
        pool = rng.choice(["max", "average", "none"])
        if pool != "none":
            kind = MaxPooling2D if pool == "max" else AveragePooling2D
            size = int(rng.integers(2, 4))
            layers.append(kind(size, strides=int(rng.integers(1, size + 1)),
                               padding=str(rng.choice(["valid", "same"]))))
        if rng.random() < 0.3:
            layers.append(Dropout(0.3))
        if rng.random() < 0.3:
            layers.append(ReLU())
    end = rng.choice(["flatten", "global", "maps"])
    if end == "maps":
        layers.append(Activation("softmax"))  # a softmax over the channels of feature maps
    else:
        layers.append(Flatten() if end == "flatten" else GlobalAveragePooling2D())
        layers.append(Dense(int(rng.integers(2, 6)), activation=rng.choice(activations)))
        layers.append(Dense(3, activation=str(rng.choice(["softmax", "sigmoid"]))))
    for layer in layers:
        add(layer)
    return model


@pytest.mark.parametrize("seed", range(12))
def test_random_models_export_exactly(seed, tmp_path):
    rng = np.random.default_rng(seed)
    minicnn.set_seed(seed)
    model = random_model(rng)
    for layer in model.layers:  # non-zero biases, so that they are checked too
        if "b" in layer.params:
            layer.params["b"][...] = rng.normal(0, 0.2, layer.params["b"].shape)
    assert_same_as_predict(model, tmp_path, rng)


def test_the_grid_covers_every_option():
    seen = set()
    for seed in range(12):
        for layer in random_model(np.random.default_rng(seed)).layers:
            seen.add(type(layer).__name__)
            seen.add(f"padding={getattr(layer, 'padding', None)}")
            seen.add(f"activation={layer.activation}")
    assert {"Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Flatten",
            "Dense", "Dropout", "ReLU", "Activation", "padding=same", "padding=valid",
            "activation=softmax", "activation=sigmoid", "activation=tanh"} <= seen, seen


def test_export_command(tmp_path, capsys):
    from minicnn.apps.cli import main
    minicnn.set_seed(0)
    model = xray.build_model(3)
    model.save(tmp_path / "model.npz")
    assert main(["export", str(tmp_path / "model.npz"), str(tmp_path / "model.onnx")]) == 0
    assert "model.onnx" in capsys.readouterr().out
    x = np.random.default_rng(0).random((2, 256, 256, 1), dtype=np.float32)
    np.testing.assert_allclose(run_onnx(tmp_path / "model.onnx", x)[0], model.predict(x),
                               rtol=1e-5, atol=1e-6)


# -- round 3: every opset minicnn claims, against ONNX Runtime ------------------------------------
from minicnn.apps.export import OPSETS  # noqa: E402


def softmax_over_maps():
    """A softmax over the channels of feature maps: before opset 13 ONNX's Softmax
    normalised over channels, rows and columns together (off by 0.85 before the fix)."""
    minicnn.set_seed(3)
    return Sequential([Conv2D(4, 3, padding="same", activation="relu"), MaxPooling2D(2),
                       Activation("softmax")], input_shape=(9, 8, 2))


@pytest.mark.parametrize("opset", list(OPSETS))
def test_every_claimed_opset_equals_predict(opset, tmp_path, rng):
    models = [softmax_over_maps(), random_model(np.random.default_rng(opset))]
    minicnn.set_seed(0)
    models.append(galaxy.build_model(num_classes=4))
    for model in models:
        proto = to_onnx(model, tmp_path / "model.onnx", opset=opset)
        assert proto.opset_import[0].version == opset
        x = rng.standard_normal((3,) + model.input_shape).astype(np.float32)
        got, _ = run_onnx(tmp_path / "model.onnx", x)
        np.testing.assert_allclose(got, model.predict(x), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("opset", [1, 6, 29, 99, -3, 17.0, "17", True, None])
def test_other_opsets_are_refused_clearly(opset, tmp_path):
    with pytest.raises(ValueError, match="opset must be an int from 7 to 28"):
        to_onnx(softmax_over_maps(), tmp_path / "model.onnx", opset=opset)
    assert not (tmp_path / "model.onnx").exists()


def test_metadata_with_numpy_values_exports(tmp_path):
    model = softmax_over_maps()
    model.metadata = {"rescale": np.float32(0.5), "class_names": ["a", "b"]}
    proto = to_onnx(model, tmp_path / "model.onnx")
    props = {p.key: json.loads(p.value) for p in proto.metadata_props}
    assert props["rescale"] == 0.5
