"""The coverage of Keras's and TensorFlow's names (issue 29): every name in scope
(docs/keras-names/scope.json, from names.json, captured from Keras 3.15 / TensorFlow 2.21)
is implemented by minicnn or refused with a hint naming minicnn's way, but for the few
PENDING lists (waiting on files of the core, named with what they need); the table in
docs/keras.md is the one coverage.py generates now; coverage stays at or above 90% and at or
above the figure README.md states; every name the issues list is implemented."""
import importlib.util
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = os.path.join(ROOT, "docs", "keras-names")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(NAMES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


coverage, scope = load("coverage"), load("scope")


@pytest.fixture(scope="module")
def table():
    return coverage.compute()


def test_every_name_in_scope_is_implemented_or_refused_with_a_hint(table):
    missing = {group: sorted(name for name, (state, _) in names.items() if state == "missing"
                             and name not in coverage.PENDING.get(group, ([], ""))[0])
               for group, names in table.items()}
    assert not {g: n for g, n in missing.items() if n}, missing
    for group, names in table.items():
        for name, (state, detail) in names.items():
            if state == "refused":
                assert len(detail) > 30, (group, name, detail)  # a hint, not a bare "no"


def test_the_pending_names_are_still_missing_so_the_list_only_shrinks(table):
    done = {group: [n for n in names if table[group][n][0] != "missing"]
            for group, (names, _) in coverage.PENDING.items()}
    assert not {g: n for g, n in done.items() if n}, (
        f"now implemented: remove them from coverage.PENDING: {done}")


def test_the_table_in_the_docs_is_the_one_generated_now(table):
    with open(coverage.DOCS) as file:
        text = file.read()
    assert coverage.markdown(table) in text, "run: python docs/keras-names/coverage.py"


def test_coverage_is_at_least_ninety_percent_and_what_the_readme_says(table):
    found, size = coverage.counts(table)
    share = 100 * found["implemented"] / size
    assert share >= 90, share
    with open(os.path.join(ROOT, "README.md")) as file:
        stated = re.findall(r"(\d+(?:\.\d+)?)% of the (\d+)\s+(?:Keras|in-scope)", file.read())
    assert stated, "the README's Keras paragraph states the coverage: NN.N% of the N Keras ..."
    for percent, count in stated:  # the README's Keras paragraph quotes the figure
        assert int(count) == size and abs(share - float(percent)) < 0.05, (percent, count, share)


def test_every_name_the_issues_list_is_implemented(table):
    pending = {(g, n) for g, (names, _) in coverage.PENDING.items() for n in names}
    for group, names in scope.REQUIRED.items():
        for name in names.split():
            if (group, name) not in pending:
                assert table[group][name][0] == "implemented", (group, name, table[group][name])


def test_a_refusal_says_what_minicnn_has_instead():
    from minicnn import keras
    from minicnn.compat.missing import MissingKerasFeature
    with pytest.raises(MissingKerasFeature, match="recurrent"):
        keras.layers.LSTM
    with pytest.raises(ImportError, match="automatic augmentation"):
        exec("from minicnn.keras.layers import RandAugment")
