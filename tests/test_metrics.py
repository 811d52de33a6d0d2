"""Metrics against values worked out by hand, and against Keras and scikit-learn."""
import json
import os

import numpy as np
import pytest

from minicnn import metrics


def test_accuracy_and_confusion_matrix():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred),
                                  [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    one_hot = np.eye(3)[y_true]
    assert metrics.accuracy(one_hot, np.eye(3)[y_pred]) == pytest.approx(4 / 6)


def test_precision_recall_f1_by_hand():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    precision, recall, f1, support = metrics.precision_recall_f1(y_true, y_pred)
    # class 0: TP 1, FP 1 (a 2 predicted 0), FN 1 -> P 1/2, R 1/2
    # class 1: TP 2, FP 1, FN 0 -> P 2/3, R 1;   class 2: TP 1, FP 0, FN 1 -> P 1, R 1/2
    np.testing.assert_allclose(precision, [1 / 2, 2 / 3, 1])
    np.testing.assert_allclose(recall, [1 / 2, 1, 1 / 2])
    np.testing.assert_allclose(f1, [1 / 2, 0.8, 2 / 3])
    np.testing.assert_array_equal(support, [2, 2, 2])


def test_precision_of_a_never_predicted_class_is_zero():
    precision, recall, f1, _ = metrics.precision_recall_f1([0, 1, 1], [1, 1, 1], num_classes=2)
    assert precision[0] == 0 and recall[0] == 0 and f1[0] == 0


def test_binary_auc_by_hand_with_ties():
    # positives score 0.8, 0.4; negatives 0.4, 0.1. Pairs: (0.8>0.4) 1, (0.8>0.1) 1,
    # (0.4=0.4) 1/2, (0.4>0.1) 1 -> 3.5 / 4
    assert metrics.binary_roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.4, 0.1]) == pytest.approx(0.875)
    assert metrics.binary_roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.binary_roc_auc([1, 1, 0], [0.9, 0.8, 0.1]) == 1.0
    assert np.isnan(metrics.binary_roc_auc([1, 1], [0.2, 0.3]))


def test_auc_equals_the_pairwise_definition(rng):
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200), 1)  # many ties
    pos, neg = scores[labels == 1], scores[labels == 0]
    pairwise = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (
        len(pos) * len(neg))
    assert metrics.binary_roc_auc(labels, scores) == pytest.approx(pairwise)


def test_one_vs_rest_auc():
    y_true = [0, 1, 2, 2]
    probs = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3]])
    # class 0: positive 0.7 beats 0.2, 0.1, 0.3 -> 1. class 1: positive 0.5 beats 0.2, 0.3, 0.4 -> 1.
    # class 2: positives 0.6, 0.3 vs negatives 0.1, 0.3: 0.6 beats both (2), 0.3 beats 0.1 and ties 0.3 (1.5) -> 3.5/4
    np.testing.assert_allclose(metrics.roc_auc(y_true, probs, average=None), [1, 1, 0.875])
    assert metrics.roc_auc(y_true, probs) == pytest.approx((1 + 1 + 0.875) / 3)
    binary = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]])
    assert metrics.roc_auc([0, 1, 1], binary) == pytest.approx(metrics.binary_roc_auc([0, 1, 1], binary[:, 1]))


def test_classification_report_lists_each_class():
    report = metrics.classification_report([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0],
                                           target_names=["cat", "dog", "bird"], digits=3)
    lines = report.splitlines()
    dog = next(line for line in lines if line.strip().startswith("dog"))
    assert dog.split()[1:] == ["0.667", "1.000", "0.800", "2"]
    assert any(line.strip().startswith("accuracy") and "0.667" in line for line in lines)
    assert any(line.strip().startswith("macro avg") for line in lines)


# -- as Keras and scikit-learn compute them (fixtures made once with Keras 3.15, scikit-learn 1.9.1)
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def test_streaming_metrics_equal_keras():
    with np.load(os.path.join(FIXTURES, "keras_metrics.npz")) as keras:
        y, probs = keras["y"], keras["probs"]
        auc = metrics.AUC()
        for i in range(0, len(y), 32):  # batch by batch, as fit updates it
            auc.update_state(np.eye(3)[y[i:i + 32]], probs[i:i + 32])
        assert auc.result() == pytest.approx(float(keras["auc"]), abs=1e-3)
        assert auc.result() != pytest.approx(metrics.roc_auc(y, probs), abs=1e-3)  # not macro OvR
        for metric, key in ((metrics.Precision(), "precision"), (metrics.Recall(), "recall"),
                            (metrics.CategoricalAccuracy(), "categorical_accuracy")):
            metric.update_state(y, probs)  # class indices work as well as one-hot rows
            assert metric.result() == pytest.approx(float(keras[key]), abs=1e-6), key
        binary = metrics.AUC()
        binary.update_state(keras["binary_y"], keras["binary_p"])
        assert binary.result() == pytest.approx(float(keras["binary_auc"]), abs=1e-3)
        accuracy = metrics.Accuracy()
        accuracy.update_state(keras["binary_y"], keras["binary_p"])
        assert accuracy.result() == pytest.approx(float(keras["binary_accuracy"]), abs=1e-6)


def test_report_and_confusion_matrix_equal_scikit_learn():
    with open(os.path.join(FIXTURES, "sklearn_reports.json")) as file:
        sk = json.load(file)
    y, pred = np.array(sk["y"]), np.array(sk["pred"])
    names = ["Covid", "Normal", "Viral Pneumonia"]
    assert metrics.classification_report(y, pred, target_names=names) == sk["report_names"]
    assert metrics.classification_report(y, pred, digits=4) == sk["report_digits4"]
    assert metrics.classification_report(y, pred, labels=[0, 2]) == sk["report_subset"]
    assert metrics.confusion_matrix(y, pred).tolist() == sk["confusion"]
    np.testing.assert_allclose(metrics.confusion_matrix(y, pred, normalize="true"),
                               sk["confusion_true"])


def test_metric_names_in_compile_are_unique_and_case_insensitive():
    made = metrics.compile_metrics(["AUC", metrics.AUC(), "Accuracy", "categorical_accuracy"])
    # "accuracy" and "acc" keep the spelling given, as Keras names them in the logs
    # Keras 3.15 logs "AUC" as it was given, and a second one as "auc"
    assert [m.name for m in made] == ["AUC", "auc", "Accuracy", "categorical_accuracy"]
    assert [m.name for m in metrics.compile_metrics(["acc", "accuracy"])] == ["acc", "accuracy"]
