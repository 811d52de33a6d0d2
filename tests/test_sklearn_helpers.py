"""scikit-learn's helpers that lessons import (sklearn -> minicnn): compute_class_weight,
KFold, StratifiedKFold, accuracy_score, classification_report(zero_division=) and
ConfusionMatrixDisplay, against scikit-learn 1.9.1's own values
(tests/fixtures/keras_round3/sklearn.json)."""
import json
import os
import warnings

import numpy as np
import pytest

from minicnn.metrics import (ConfusionMatrixDisplay, UndefinedMetricWarning, accuracy_score,
                             classification_report, confusion_matrix)
from minicnn.compat.sklearn.model_selection import KFold, StratifiedKFold
from minicnn.compat.sklearn.utils.class_weight import compute_class_weight

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_round3", "sklearn.json")) as f:
    SKLEARN = json.load(f)


@pytest.mark.parametrize("case", sorted(SKLEARN["compute_class_weight_balanced"]))
def test_compute_class_weight_balanced_equals_scikit_learn(case):
    expected = SKLEARN["compute_class_weight_balanced"][case]
    weights = compute_class_weight("balanced", classes=np.array(expected["classes"]),
                                   y=np.array(expected["y"]))
    assert isinstance(weights, np.ndarray) and weights.dtype == np.float64
    np.testing.assert_allclose(weights, expected["weights"], rtol=1e-12)


def test_compute_class_weight_dict_none_and_errors():
    classes = np.array([0, 1, 2])
    np.testing.assert_array_equal(compute_class_weight({1: 3.0}, classes=classes, y=[0, 1, 2]),
                                  [1.0, 3.0, 1.0])
    np.testing.assert_array_equal(compute_class_weight(None, classes=classes, y=[0, 1]), [1, 1, 1])
    with pytest.raises(ValueError, match=r"y has \[3\] not in classes"):
        compute_class_weight("balanced", classes=classes, y=[0, 1, 3])
    with pytest.raises(ValueError, match=r"\[2\] never occur in y"):
        compute_class_weight("balanced", classes=classes, y=[0, 1, 1])


@pytest.mark.parametrize("case", sorted(SKLEARN["splits"]))
def test_kfold_and_stratified_kfold_give_scikit_learns_folds(case):
    expected = SKLEARN["splits"][case]
    splitter = {"KFold": KFold, "StratifiedKFold": StratifiedKFold}[case.split("/")[0]]
    folds = splitter(expected["n_splits"], shuffle=expected["shuffle"],
                     random_state=expected["random_state"])
    y = np.array(expected["y"])
    got = [{"train": train.tolist(), "test": test.tolist()}
           for train, test in folds.split(np.zeros((len(y), 2)), y)]
    assert got == expected["splits"]


def test_folds_check_their_arguments():
    with pytest.raises(ValueError, match="random_state has no effect since shuffle is False"):
        KFold(3, random_state=0)
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        StratifiedKFold(1)
    with pytest.raises(ValueError, match="n_splits=5 greater than the number of samples"):
        list(KFold(5).split(np.zeros(3)))
    with pytest.raises(ValueError, match=r"y.argmax\(axis=1\)"):
        list(StratifiedKFold(2).split(np.zeros(4), np.eye(2)[[0, 1, 0, 1]]))
    every = sorted(i for _, test in KFold(3, shuffle=True).split(np.zeros(10)) for i in test)
    assert every == list(range(10))  # without random_state: still a partition


def test_accuracy_score_equals_scikit_learn():
    case = SKLEARN["accuracy_score"]
    value = accuracy_score(case["y_true"], case["y_pred"])
    assert type(value) is float and value == case["value"]
    count = accuracy_score(case["y_true"], case["y_pred"], normalize=False)
    assert count == case["normalize_false"]
    assert accuracy_score(["a", "b"], ["a", "a"]) == 0.5


@pytest.mark.parametrize("zero_division", [0, 1])
def test_classification_report_zero_division_equals_scikit_learn(zero_division):
    case = SKLEARN["classification_report"]
    names = ["normal", "covid", "pneumonia"]
    report = classification_report(case["y_true"], case["y_pred"], target_names=names,
                                   output_dict=True, zero_division=zero_division)
    expected = case["reports"][f"zero_division={zero_division}"]
    assert report.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, dict):
            for metric, number in value.items():
                assert report[key][metric] == pytest.approx(number, abs=1e-12), (key, metric)
        else:
            assert report[key] == pytest.approx(value)
    text = classification_report(case["y_true"], case["y_pred"], target_names=names,
                                 zero_division=zero_division)
    assert text == case["reports"][f"zero_division={zero_division}/text"]


def test_zero_division_warn_is_zero_with_scikit_learns_warning():
    case = SKLEARN["classification_report"]["binary_case"]
    with pytest.warns(UndefinedMetricWarning, match="Precision is ill-defined"):
        report = classification_report(case["y_true"], case["y_pred"], output_dict=True)
    expected = SKLEARN["classification_report"]["reports"]["binary_all_one_class/zero_division=0"]
    assert report.keys() == expected.keys()
    for key, value in expected.items():
        assert report[key] == (pytest.approx(value) if isinstance(value, float) else value), key
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classification_report(case["y_true"], case["y_pred"], zero_division=0)
    nan = classification_report(case["y_true"], case["y_pred"], output_dict=True,
                                zero_division=np.nan)
    assert np.isnan(nan["0"]["precision"]) and nan["macro avg"]["precision"] == pytest.approx(0.6)


def test_confusion_matrix_display_draws_counts_and_labels():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y_true, y_pred = [0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 2, 1, 0, 1]
    cm = confusion_matrix(y_true, y_pred)
    display = ConfusionMatrixDisplay(confusion_matrix=cm, display_labels=["a", "b", "c"])
    assert display.plot(cmap=plt.cm.Blues) is display
    assert [[t.get_text() for t in row] for row in display.text_] == cm.astype(str).tolist()
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["a", "b", "c"]
    assert display.ax_.get_xlabel() == "Predicted label"
    assert display.ax_.get_ylabel() == "True label"
    # the darkest cell (the largest count) has light text, as scikit-learn draws it
    assert display.text_[2, 2].get_color() == display.im_.cmap(0)
    shown = ConfusionMatrixDisplay.from_predictions(np.array(["x", "y", "y"]),
                                                    np.array(["x", "x", "y"]))
    np.testing.assert_array_equal(shown.confusion_matrix, [[1, 0], [1, 1]])
    assert [t.get_text() for t in shown.ax_.get_yticklabels()] == ["x", "y"]
    plt.close("all")
