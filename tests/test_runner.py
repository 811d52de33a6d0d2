"""minicnn train's runner: checkpoints every epoch, and a resumed run ends bit-identical
to one that was never interrupted (on the bundled sample)."""
import io
import json
import contextlib

import numpy as np
import pytest

from minicnn import load_model
from minicnn.training.callbacks import Callback
from minicnn.apps.projects import report, runner, xray


class InterruptAfter(Callback):
    """Ctrl-C right after epoch ``epochs`` ends (its checkpoint written: the next
    epoch begins)."""

    def __init__(self, epochs):
        self.epochs, self.fired = epochs, False

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epochs:
            self.fired = True
            raise KeyboardInterrupt


def quiet(**kwargs):
    """runner.run, its printing kept, without the pictures (tests/test_cli.py and
    test_the_report_draws_its_pictures check those); a run stopped by an InterruptAfter
    gives None (a real Ctrl-C goes on: it stops the test run)."""
    kwargs.setdefault("pictures", False)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            return runner.run(xray, verbose=0, image_size=(96, 96), batch_size=16, **kwargs), out
        except KeyboardInterrupt:
            if not any(getattr(c, "fired", False) for c in kwargs.get("callbacks", [])):
                raise
            return None, out


def test_an_interrupted_and_resumed_run_ends_bit_identical(tmp_path):
    straight, _ = quiet(epochs=4, out=str(tmp_path / "straight"), class_weight="balanced")
    stopped, printed = quiet(epochs=4, out=str(tmp_path / "stopped"), class_weight="balanced",
                             callbacks=[InterruptAfter(2)])
    assert stopped is None and "report below is from epoch 2" in printed.getvalue()
    halfway = json.loads((tmp_path / "stopped" / "metrics.json").read_text())
    assert halfway["interrupted"] and halfway["epochs"] == 2  # a report was written at once
    resumed, printed = quiet(epochs=4, out=str(tmp_path / "stopped"), class_weight="balanced",
                             resume=True)
    assert "resuming after epoch 2 of 4" in printed.getvalue()
    a = load_model(tmp_path / "straight" / "model.npz")
    b = load_model(tmp_path / "stopped" / "model.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    for key, value in a.optimizer.state.items():
        np.testing.assert_array_equal(value, b.optimizer.state[key])
    assert resumed["history"] == straight["history"] and len(straight["history"]["loss"]) == 4
    assert resumed["test"] == straight["test"]


def test_resume_refuses_other_settings_or_no_checkpoint(tmp_path):
    quiet(epochs=1, out=str(tmp_path / "run"))
    with pytest.raises(ValueError, match="learning_rate 0.001 .now 0.01"):
        quiet(epochs=2, out=str(tmp_path / "run"), resume=True, learning_rate=0.01)
    with pytest.raises(ValueError, match="nothing to resume"):
        quiet(epochs=2, out=str(tmp_path / "empty"), resume=True)


def test_the_report_shows_every_class_recall(tmp_path):
    summary, printed = quiet(epochs=1, out=str(tmp_path / "run"))
    recalls = [summary["test"]["per_class"][name]["recall"] for name in summary["classes"]]
    assert summary["test"]["macro_recall"] == pytest.approx(np.mean(recalls))
    assert "macro recall" in printed.getvalue() and "Pneumonia" in printed.getvalue()


def test_resume_with_early_stopping_ends_bit_identical(tmp_path):
    """EarlyStopping's state (best value and epoch, epochs waited, the best weights) is in
    the checkpoint: interrupted after epoch 8, one epoch short of its patience, the
    resumed run stops where the straight one stops, with the same best weights."""
    settings = dict(epochs=10, learning_rate=0.003, early_stopping=2)
    straight, _ = quiet(out=str(tmp_path / "straight"), **settings)
    assert len(straight["history"]["loss"]) == 9  # stopped early: patience ran out after epoch 9
    stopped, _ = quiet(out=str(tmp_path / "stopped"), callbacks=[InterruptAfter(8)], **settings)
    assert stopped is None
    resumed, printed = quiet(out=str(tmp_path / "stopped"), resume=True, **settings)
    assert "resuming after epoch 8 of 10" in printed.getvalue()
    assert resumed["history"] == straight["history"] and resumed["test"] == straight["test"]
    a = load_model(tmp_path / "straight" / "model.npz")
    b = load_model(tmp_path / "stopped" / "model.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    # resuming a run that had stopped early trains no more and keeps its best weights
    again, printed = quiet(out=str(tmp_path / "straight"), resume=True, **settings)
    assert "stopped early after epoch 9" in printed.getvalue()
    assert again["test"] == straight["test"]


@pytest.mark.parametrize("damage,words", [
    (lambda state: state.pop("dropout_rng"), "dropout_rng"),
    (lambda state: state.pop("config"), "config"),
    (lambda state: state.update(epoch="two"), "'epoch' must be an int"),
    (lambda state: state["dropout_rng"].update(dropout={"bit_generator": "nope"}),
     "random state of dropout"),
    (lambda state: state.update(history={"loss": [1.0, 2.0, 3.0]}), "history"),
])
def test_a_damaged_checkpoint_is_a_clear_error(tmp_path, damage, words):
    import json as json_module
    quiet(epochs=1, out=str(tmp_path))
    path = tmp_path / "checkpoint.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arch = json_module.loads(str(arrays["architecture"]))
    damage(arch["metadata"]["training_state"])
    arrays["architecture"] = np.array(json_module.dumps(arch))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=words) as error:
        quiet(epochs=2, out=str(tmp_path), resume=True)
    assert "checkpoint.npz" in str(error.value)


def test_a_checkpoint_without_compile_or_of_another_model_is_refused(tmp_path):
    quiet(epochs=1, out=str(tmp_path / "run"))
    model = load_model(tmp_path / "run" / "checkpoint.npz")
    model.save(tmp_path / "run" / "checkpoint.npz", include_optimizer=False)
    with pytest.raises(ValueError, match="checkpoint.npz: holds no optimizer"):
        quiet(epochs=2, out=str(tmp_path / "run"), resume=True)
    # a checkpoint of a 3-class model, resumed on data whose model differs (image size)
    quiet(epochs=1, out=str(tmp_path / "other"))
    with pytest.raises(ValueError, match="another architecture|other settings"):
        with contextlib.redirect_stdout(io.StringIO()):
            runner.run(xray, verbose=0, image_size=(64, 64), batch_size=16, epochs=2,
                       out=str(tmp_path / "other"), resume=True)


def test_image_size_class_weight_and_out_are_checked_before_any_data(tmp_path, monkeypatch):
    monkeypatch.setattr(xray, "load_data", lambda *a, **k: pytest.fail("data was loaded"))
    for size, words in [((8, 8), "too small for the xray recipe"), ((25, 300), "at least 26"),
                        ((5000, 5000), "at most 2048"), ((0, 9), "positive")]:
        with pytest.raises(ValueError, match=words) as error:
            runner.run(xray, image_size=size, out=str(tmp_path / "a"))
        assert "--image-size" in str(error.value)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "model.npz").write_bytes(b"an earlier run's model")
    (tmp_path / "b" / "model.npz").chmod(0o444)
    with pytest.raises(ValueError, match="model.npz there is read-only"):
        runner.run(xray, out=str(tmp_path / "b"))


@pytest.mark.parametrize("weights,words", [
    ({"Covid": -1.0}, "finite number >= 0"),
    ({"Covid": float("nan")}, "finite number >= 0"),
    ({"Influenza": 2.0}, "Covid, Normal, Pneumonia"),
    ({"7": 2.0}, "indices 0 to 2"),
    ({"Covid": 0.0, "Normal": 0, "Pneumonia": 0}, "every class weighs 0"),
    ("heavy", "'balanced', 'sqrt-balanced'"),
])
def test_class_weights_by_name_and_bad_ones(weights, words):
    with pytest.raises(ValueError, match=words):
        runner.class_weight_by_index(weights, {"Covid": 0, "Normal": 1, "Pneumonia": 2})


def test_class_weights_by_name_reach_fit(tmp_path):
    by_name, _ = quiet(epochs=1, out=str(tmp_path / "names"),
                       class_weight={"Covid": 3.0, "Pneumonia": 0.5})
    by_index, _ = quiet(epochs=1, out=str(tmp_path / "indices"), class_weight={0: 3.0, 2: 0.5})
    plain, _ = quiet(epochs=1, out=str(tmp_path / "plain"))
    assert by_name["history"] == by_index["history"] != plain["history"]


def test_a_damaged_callback_state_is_a_clear_error(tmp_path):
    import json as json_module
    quiet(epochs=1, out=str(tmp_path), early_stopping=2)
    path = tmp_path / "checkpoint.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arch = json_module.loads(str(arrays["architecture"]))
    arch["metadata"]["training_state"]["callbacks"]["EarlyStopping"]["wait"] = -1
    arrays["architecture"] = np.array(json_module.dumps(arch))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="checkpoint.npz: the state of EarlyStopping is damaged"):
        quiet(epochs=2, out=str(tmp_path), resume=True, early_stopping=2)
    with pytest.raises(ValueError, match="early_stopping 2 .now None"):
        quiet(epochs=2, out=str(tmp_path), resume=True)


def test_resume_keeps_a_learning_rate_lowered_by_a_callback(tmp_path):
    """ReduceLROnPlateau (callbacks with the get_state/set_state protocol) and the
    optimizer's lowered rate come back from the checkpoint."""
    import minicnn.training.callbacks as callbacks
    if not hasattr(callbacks, "ReduceLROnPlateau"):
        pytest.skip("this minicnn has no ReduceLROnPlateau")

    def plateau():
        return callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                           min_delta=0.01)
    straight, _ = quiet(epochs=5, out=str(tmp_path / "straight"), learning_rate=0.003,
                        callbacks=[plateau()])
    rates = straight["history"]["learning_rate"]
    assert rates[3] < rates[0], rates  # lowered before the interruption below
    quiet(epochs=5, out=str(tmp_path / "stopped"), learning_rate=0.003,
          callbacks=[plateau(), InterruptAfter(4)])
    resumed, _ = quiet(epochs=5, out=str(tmp_path / "stopped"), learning_rate=0.003, resume=True,
                       callbacks=[plateau()])
    assert resumed["history"] == straight["history"]
    a = load_model(tmp_path / "straight" / "model.npz")
    b = load_model(tmp_path / "stopped" / "model.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_the_report_says_where_the_model_looks_and_what_the_test_set_is_worth(tmp_path):
    summary, printed = quiet(epochs=2, out=str(tmp_path / "run"))
    looks = summary["where_it_looks"]
    swap, occluded = looks["border_swap"], looks["occlusion"]
    assert swap["composites"] == 30 * 10 and swap["control_composites"] == 30 * 5
    assert swap["own"] + swap["donor"] + swap["neither"] == pytest.approx(1)
    assert occluded["clean"] == pytest.approx(summary["test"]["accuracy"])
    assert set(occluded) >= {"centre_blacked", "band_blacked"}
    # at 96 pixels the last convolution's 13 units per axis sit at 9.5 + 6 i: one in the
    # 12-pixel band per axis (by the receptive-field rule; stretching would say 0.4375)
    assert looks["grad_cam_band_share"]["uniform"] == pytest.approx(1 - (12 / 13) ** 2)
    text = printed.getvalue()
    assert "where it looks" in text and looks["reading"] in text and text.count("reading:") == 1
    copies = summary["test"]["without_copies"]
    assert copies["left_out"] == [] and copies["samples"] == 30   # the sample holds no copies
    assert "no test image copies a training image" in text
    assert summary["test"]["auc_name"].startswith("mean per-class") and 0 <= summary["test"]["pooled_auc"] <= 1
    assert "mean per-class AUC" in text


def test_a_recipe_masks_training_and_test_images_and_its_model_file_says_so(tmp_path):
    masked = xray.RECIPES["masked-border"]
    with contextlib.redirect_stdout(io.StringIO()):
        summary = runner.run(masked, verbose=0, image_size=(96, 96), batch_size=16, epochs=1,
                             out=str(tmp_path / "run"))
    model = load_model(tmp_path / "run" / "model.npz")
    assert model.metadata["recipe"] == "masked-border"
    assert (model.metadata["sees"], model.metadata["band"]) == ("centre", 0.125)
    assert model.layers[0].filters == 16 and summary["recipe"] == "masked-border"
    looks = summary["where_it_looks"]
    assert looks["masked"] and looks["border_swap"]["control_unchanged"] == 1.0
    assert looks["occlusion"]["band_blacked"] == looks["occlusion"]["clean"]
    _, _, test = masked.load_data(batch_size=8, validation_split=0.2, image_size=(96, 96), verbose=0)
    assert np.all(test[0][0][:, :12] == 0) and np.any(test[0][0][:, 12:84] > 0)
    with pytest.raises(ValueError, match="recipe None .now 'masked-border'"):
        quiet(epochs=1, out=str(tmp_path / "lesson"))
        with contextlib.redirect_stdout(io.StringIO()):
            runner.run(masked, verbose=0, image_size=(96, 96), batch_size=16, epochs=2,
                       out=str(tmp_path / "lesson"), resume=True)


def test_the_history_figure_says_why_validation_can_look_better():
    from minicnn import Sequential
    from minicnn.layers import Dense
    from minicnn.preprocessing import ImageDataGenerator
    augmented = ImageDataGenerator(rotation_range=10).flow(np.zeros((2, 8, 8, 1)), np.zeros(2))
    plain = ImageDataGenerator().flow(np.zeros((2, 8, 8, 1)), np.zeros(2))
    note = report._history_note(xray.build_model(3), [augmented, None])
    assert "augmentation and dropout" in note and "only in training" in note
    assert report._history_note(Sequential([Dense(2)], input_shape=(3,)), [plain]) is None


def test_the_report_draws_its_pictures_unless_asked_not_to(tmp_path):
    drawn, _ = quiet(epochs=1, out=str(tmp_path / "drawn"), pictures=True)
    bare, printed = quiet(epochs=1, out=str(tmp_path / "bare"))
    pictures = [name for name in report.OUTPUTS if name.endswith(".png")]
    assert all((tmp_path / "drawn" / name).stat().st_size > 0 for name in pictures)
    assert not any((tmp_path / "bare" / name).exists() for name in pictures)
    assert "wrote model.npz, metrics.json, checkpoint.npz" in printed.getvalue()
    assert bare["test"] == drawn["test"]  # the numbers do not depend on the pictures
