"""The minicnn command: the README's main job on the bundled sample, and bad input."""
import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from minicnn.apps.cli import main
from minicnn.apps.projects import galaxy, xray

OUTPUTS = ["history.png", "confusion_matrix.png", "filters.png", "feature_maps.png",
           "saliency.png", "grad_cam.png", "model.npz", "metrics.json", "checkpoint.npz"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "minicnn", *args], capture_output=True, text=True,
                          timeout=600)


def test_train_xray_on_the_bundled_sample_end_to_end(tmp_path):
    result = run_cli("train", "xray", "--epochs", "5", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in OUTPUTS:
        assert (tmp_path / name).stat().st_size > 0, name
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["classes"] == ["Covid", "Normal", "Pneumonia"]
    assert report["test"]["samples"] == 30 and 0 <= report["test"]["accuracy"] <= 1
    # seed 0 (the default): a training that learns; a broken one fails these
    losses = report["history"]["loss"]
    assert losses[-1] < losses[0] - 0.1, losses
    assert report["test"]["accuracy"] >= 12 / 30  # chance: the largest test class is 10 of 30
    assert set(report["history"]) >= {"loss", "accuracy", "auc", "val_loss", "val_accuracy"}
    assert "Total params: 3,871" in result.stdout and "confusion matrix" in result.stdout
    assert "precision" in result.stdout and "test loss" in result.stdout
    wrote = [line for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == 1 and all(name in wrote[0] for name in OUTPUTS), wrote
    # where the model looks, as numbers: the border swap and occlusion, and their reading
    looks = report["where_it_looks"]
    assert {"own", "donor", "neither", "control_own"} <= set(looks["border_swap"])
    assert {"clean", "centre_blacked", "band_blacked"} <= set(looks["occlusion"])
    readings = [line for line in result.stdout.splitlines() if line.strip().startswith("reading:")]
    assert readings == ["  " + looks["reading"]]
    assert "mean per-class AUC" in result.stdout and "pooled_auc" in report["test"]

    image = os.path.join(xray.SAMPLE, "test", "Covid", "2.png")  # 128x128: resized, with a notice
    result = run_cli("predict", str(tmp_path / "model.npz"), image)
    assert result.returncode == 0, result.stderr
    assert "resized to 256x256" in result.stdout
    probabilities = [float(part.split()[-1]) for part in result.stdout.splitlines()[-1]
                     .split("(")[1].rstrip(")").split(",")]
    assert len(probabilities) == 3 and abs(sum(probabilities) - 1) < 2e-3


@pytest.mark.parametrize("args,words", [
    (["train", "xray", "--data", "/no/such/folder"], "/no/such/folder"),
    (["train", "galaxy"], "--data"),
    (["train", "galaxy", "--data", "/no/such.npz"], "/no/such.npz"),
    (["predict", "/no/model.npz", "x.png"], "/no/model.npz"),
])
def test_bad_input_is_one_line_and_exit_2(args, words, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("minicnn: error:") and words in err and "\n" not in err


def test_folder_without_train_and_test(tmp_path, capsys):
    (tmp_path / "images").mkdir()
    assert main(["train", "xray", "--data", str(tmp_path)]) == 2
    assert "train/" in capsys.readouterr().err


def test_npz_without_the_expected_arrays(tmp_path, capsys):
    np.savez(tmp_path / "odd.npz", pictures=np.zeros((2, 4, 4, 3)), answers=np.zeros(2))
    assert main(["train", "galaxy", "--data", str(tmp_path / "odd.npz")]) == 2
    err = capsys.readouterr().err
    assert "odd.npz" in err and "data/labels" in err and "pictures" in err


def test_predict_with_a_file_that_is_not_a_model(tmp_path, capsys):
    Image.new("L", (4, 4)).save(tmp_path / "x.png")
    (tmp_path / "model.npz").write_bytes(b"garbage")
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "x.png")]) == 2
    assert "model.npz" in capsys.readouterr().err


def test_help_explains_every_option():
    for args in (["--help"], ["train", "--help"], ["train", "xray", "--help"],
                 ["train", "galaxy", "--help"], ["predict", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0 and "usage: minicnn" in result.stdout
    text = run_cli("train", "galaxy", "--help").stdout
    for option in ("--data", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed", "--out"):
        assert option in text


def test_galaxy_from_an_npz_splits_stratified(tmp_path, rng):
    labels = np.repeat(np.arange(4), [40, 30, 5, 25])
    images = rng.integers(0, 256, (100, 128, 128, 3), dtype=np.uint8)
    np.savez(tmp_path / "galaxydata.npz", data=images, labels=np.eye(4)[labels])
    train, validation, test = galaxy.load_data(str(tmp_path / "galaxydata.npz"), seed=3)
    assert train.n + validation.n + test.n == 100 and test.n == 20
    np.testing.assert_array_equal(np.bincount(test.classes, minlength=4), [8, 6, 1, 5])
    assert list(train.class_indices) == ["normal", "ringed", "merger", "other"]
    x, y = train[0]
    assert x.shape == (32, 128, 128, 3) and x.max() <= 1.0 and y.shape == (32, 4)
    again = galaxy.load_data(str(tmp_path / "galaxydata.npz"), seed=3)[2]
    np.testing.assert_array_equal(again.y, test.y)


# -- the attacks on the CLI ---------------------------------------------------------------
def test_a_bad_out_fails_before_any_data_is_read(tmp_path, capsys, monkeypatch):
    from minicnn.apps.projects import runner
    monkeypatch.setattr(xray, "load_data", lambda *a, **k: pytest.fail("data was loaded"))
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file", tmp_path / "file" / "sub"):
        assert main(["train", "xray", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "--out" in err and str(out) in err
    assert runner.prepare_output_folder(str(tmp_path / "new")) is False


def test_the_first_line_says_when_a_run_is_replaced(tmp_path):
    (tmp_path / "metrics.json").write_text("{}")  # an earlier run
    result = run_cli("train", "xray", "--epochs", "1", "--quiet", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert str(tmp_path) in first and "replacing the earlier run" in first


def saved_model(tmp_path, channels=1, metadata=None, outputs=3):
    from minicnn import Sequential
    from minicnn.layers import Dense, Flatten
    model = Sequential([Flatten(), Dense(outputs, activation="softmax")],
                       input_shape=(8, 8, channels))
    model.metadata = metadata if metadata is not None else {"class_names": ["a", "b", "c"]}
    model.save(tmp_path / "model.npz")
    return str(tmp_path / "model.npz")


@pytest.mark.parametrize("channels,metadata,words", [
    (2, None, "2 channels"),
    (1, {"class_names": ["a", "b"]}, "names 2 classes but the model has 3 outputs"),
    (1, ["not", "a", "dict"], "metadata"),
    (1, {"rescale": "big"}, "rescale"),
])
def test_predict_with_odd_metadata_is_a_clear_error(tmp_path, capsys, channels, metadata, words):
    model = saved_model(tmp_path, channels, metadata)
    Image.new("L", (8, 8)).save(tmp_path / "x.png")
    assert main(["predict", model, str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("minicnn: error:") and words in err


def test_predict_with_rescale_null_uses_raw_pixels(tmp_path, capsys):
    model = saved_model(tmp_path, metadata={"class_names": ["a", "b", "c"], "rescale": None})
    Image.new("L", (8, 8), 200).save(tmp_path / "x.png")
    assert main(["predict", model, str(tmp_path / "x.png")]) == 0
    line = capsys.readouterr().out.strip()
    probabilities = [float(p.split()[-1]) for p in line.split("(")[1].rstrip(")").split(",")]
    assert np.all(np.isfinite(probabilities)) and abs(sum(probabilities) - 1) < 2e-3


def test_predict_goes_on_past_a_missing_image_and_takes_folders(tmp_path, capsys):
    model = saved_model(tmp_path)
    (tmp_path / "images" / "sub").mkdir(parents=True)
    for name in ("images/1.png", "images/sub/2.png", "3.png"):
        Image.new("L", (8, 8)).save(tmp_path / name)
    status = main(["predict", model, str(tmp_path / "missing.png"), str(tmp_path / "images"),
                   str(tmp_path / "3.png")])
    captured = capsys.readouterr()
    assert status == 1
    assert "missing.png" in captured.err and "1 of 4 images could not be read" in captured.err
    printed = [line.split(":")[0] for line in captured.out.splitlines()]
    assert printed == [str(tmp_path / "images" / "1.png"), str(tmp_path / "images" / "sub" / "2.png"),
                       str(tmp_path / "3.png")]


def test_export_without_the_extra_says_what_to_install(tmp_path, capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)

    model = saved_model(tmp_path)
    monkeypatch.setattr(builtins, "__import__", no_onnx)
    assert main(["export", model, str(tmp_path / "m.onnx")]) == 2
    assert "pip install onnx onnxruntime" in capsys.readouterr().err


def test_notebooks_command_copies_them_out(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path / "nb")]) == 0
    copied = sorted(p.name for p in (tmp_path / "nb").iterdir())
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert len(copied) == len(glob.glob(os.path.join(root, "notebooks", "*.ipynb"))) == 9
    assert copied[0] == "01-images-as-arrays.ipynb"
    assert "jupyter lab" in capsys.readouterr().out
    (tmp_path / "nb" / copied[0]).write_text("my edits")
    assert main(["notebooks", str(tmp_path / "nb")]) == 0  # an existing copy is kept
    assert (tmp_path / "nb" / copied[0]).read_text() == "my edits"


# -- round 3: the first ten minutes ---------------------------------------------------------
def test_train_help_shows_the_options_and_galaxy_help_cites_no_private_path():
    text = run_cli("train", "--help").stdout
    for option in ("--data", "--epochs", "--batch-size", "--lr", "--image-size", "--class-weight",
                   "--early-stopping", "--resume", "--out", "--quiet", "minicnn train xray"):
        assert option in text, option
    for args in (["train", "galaxy", "--help"], ["train", "xray", "--help"], ["train", "--help"]):
        text = run_cli(*args).stdout
        assert "shared/" not in text and "galaxy-zoo1/" not in text


@pytest.mark.parametrize("size,words", [
    (["8"], ["--image-size 8 8", "too small", "at least 26"]),
    (["300", "20"], ["--image-size 300 20", "at least 26"]),
    (["100000"], ["--image-size", "at most 2048"]),
    (["0"], ["--image-size", "positive"]),
    (["1", "2", "3"], ["--image-size takes N or H W"]),
])
def test_image_size_out_of_bounds_names_the_option_before_any_work(size, words, capsys,
                                                                   monkeypatch, tmp_path):
    monkeypatch.setattr(xray, "load_data", lambda *a, **k: pytest.fail("data was loaded"))
    assert main(["train", "xray", "--out", str(tmp_path), "--image-size", *size]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("text,expected", [
    ("balanced", "balanced"), ("sqrt-balanced", "sqrt-balanced"),
    ("Covid=3,Normal=1", {"Covid": 3.0, "Normal": 1.0}), ("0=2.5", {"0": 2.5}),
    ('{"Covid": 3}', {"Covid": 3}), ('{"0": 3}', {"0": 3}),
])
def test_class_weight_forms(text, expected):
    from minicnn.apps.cli import parse_class_weight
    assert parse_class_weight(text) == expected


@pytest.mark.parametrize("text,words", [
    ("heavy", "'balanced', 'sqrt-balanced'"),
    ("Covid:3", "Covid=3,Normal=1"),
    ("[1, 2]", "JSON object"),
    ("Influenza=2", "Covid, Normal, Pneumonia"),
    ("Covid=-2", "finite number >= 0"),
    ("Covid=nan", "finite number >= 0"),
])
def test_bad_class_weights_list_every_accepted_form(text, words, capsys, tmp_path):
    assert main(["train", "xray", "--out", str(tmp_path), "--class-weight", text,
                 "--epochs", "1", "--quiet", "--image-size", "32"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("minicnn: error: --class-weight") and words in err, err
    assert "checkpoint.npz" not in os.listdir(tmp_path)  # refused before training


def test_class_weight_by_folder_name_trains(tmp_path):
    result = run_cli("train", "xray", "--epochs", "1", "--quiet", "--image-size", "32",
                     "--class-weight", "Covid=2,Pneumonia=0.5", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["class_weight"] == {"Covid": 2.0, "Pneumonia": 0.5}


@pytest.mark.parametrize("opset", ["1", "6", "99", "-3", "29"])
def test_export_refuses_opsets_it_cannot_prove_equal(opset, tmp_path, capsys):
    pytest.importorskip("onnx")
    model = saved_model(tmp_path)
    assert main(["export", model, str(tmp_path / "m.onnx"), "--opset", opset]) == 2
    err = capsys.readouterr().err
    assert "opset must be an int from 7 to 28" in err and opset in err
    assert not (tmp_path / "m.onnx").exists()


def test_ctrl_c_while_the_command_imports_waits_for_the_import(monkeypatch, capsys, sigint_raises):
    """A Ctrl-C during the first second's imports (matplotlib's ft2font, a pybind11 module
    whose initialisation, cut by KeyboardInterrupt, crashed the process at exit) is held
    back until the imports end: the command then stops cleanly with status 130."""
    import importlib
    import signal
    import sys as sys_module
    from minicnn.apps import cli
    finished = []
    real_import = importlib.import_module

    def import_module(name, *args):
        if name == "minicnn.apps.projects.report":
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the import
            sys_module.modules.pop("minicnn.ops.windows", None)
            real_import("minicnn.ops.windows")  # Python code runs on: the signal is not raised
            finished.append(name)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", import_module)
    monkeypatch.setitem(cli.COMMANDS, "train", lambda args: pytest.fail("training started"))
    monkeypatch.setattr(sys_module, "argv", ["minicnn", "train", "xray", "--quiet"])
    assert cli.run() == 130  # the program: Ctrl-C is status 130
    assert finished == ["minicnn.apps.projects.report"]
    assert "minicnn: interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finished.clear()  # main, called from Python, hands Ctrl-C on: a test run calling it stops
    with pytest.raises(KeyboardInterrupt):
        main(["train", "xray", "--quiet"])
    assert finished == ["minicnn.apps.projects.report"]


def test_two_trainings_writing_to_one_out_both_finish(tmp_path):
    """Each save has its own temporary file: neither run removes the other's."""
    command = [sys.executable, "-m", "minicnn", "train", "xray", "--epochs", "2", "--quiet",
               "--image-size", "48", "--out", str(tmp_path)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 2


def test_held_interrupts_arrive_after_the_block_and_never_when_ignored(
        sigint_raises):
    import signal
    from minicnn import interrupts
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("the block ran on")
    assert steps == ["the block ran on"]
    with interrupts.held():
        steps.append("no interrupt, nothing raised")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # e.g. a background job: left as it is
    try:
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def test_the_recipe_option_and_a_masked_model_in_predict(tmp_path, capsys):
    text = run_cli("train", "xray", "--help").stdout
    assert "--recipe" in text and "masked-border" in text and "border-only" in text
    result = run_cli("train", "xray", "--recipe", "masked-border", "--epochs", "1", "--quiet",
                     "--image-size", "96", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "no pasted border can reach it" in result.stdout
    from minicnn import load_model
    from minicnn.apps.shortcut_learning import black_out
    path = str(tmp_path / "run" / "model.npz")
    model = load_model(path)
    assert model.metadata["sees"] == "centre" and model.layers[0].filters == 16
    picture = np.full((96, 96), 250, dtype=np.uint8)   # a white border around a dark centre
    picture[12:84, 12:84] = 20
    Image.fromarray(picture).save(tmp_path / "x.png")
    assert main(["predict", path, str(tmp_path / "x.png")]) == 0
    line = capsys.readouterr().out.strip()
    printed = [float(p.split()[-1]) for p in line.split("(")[1].rstrip(")").split(",")]
    x = picture[None, :, :, None].astype(np.float32) / 255
    np.testing.assert_allclose(printed, model.predict(black_out(x, 0.125, "band"))[0], atol=6e-4)
    assert run_cli("train", "galaxy", "--recipe", "masked-border").returncode == 2


def test_ops_numpy_trains_the_textbook_path_to_the_same_model(tmp_path, monkeypatch):
    """--ops numpy runs the textbook ops (and restores the caller's ops afterwards); the model
    it trains equals the fast ops' within float32 rounding."""
    from minicnn import load_model, ops
    from minicnn.apps.projects import runner
    seen = []
    real_run = runner.run
    monkeypatch.setattr(runner, "run", lambda *a, **k: (seen.append(ops.get_ops()),
                                                       real_run(*a, **k))[1])
    common = ["train", "xray", "--epochs", "1", "--quiet", "--image-size", "96"]
    assert main(common + ["--ops", "numpy", "--out", str(tmp_path / "numpy")]) == 0
    assert main(common + ["--out", str(tmp_path / "numba")]) == 0
    assert seen == ["numpy", "numba"] and ops.get_ops() == "numba"
    textbook, fast = (load_model(str(tmp_path / name / "model.npz")) for name in ("numpy", "numba"))
    for a, b in zip(textbook.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)
    assert "numpy: the textbook path" in " ".join(run_cli("train", "xray", "--help").stdout.split())
