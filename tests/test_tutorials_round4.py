"""Round 4's fresh tutorial corpora run on minicnn with only their import lines rewritten.

tests/tutorials_keras/ (issue 29: the Keras surface) and tests/tutorials_tape/ (issue 28:
programs that differentiate tensors) hold Keras programs written after keras.io, the
TensorFlow tutorials, Géron, Chollet, PyImageSearch, Machine Learning Mastery and Kaggle
notebooks; each was first run to completion on Keras 3.15 / TensorFlow 2.21 (the result of
that run is in the corpus's keras_runs.json, see its README). Here each is rewritten by the
rule of tests/test_lessons.py (the one tests/test_tutorials.py uses) and run in the same
conditions as the first corpus.
"""
import json
import os

import pytest

from test_lessons import HERE, IMPORT, only_imports_changed, rewrite_imports, run_program

CORPORA = {"tutorials_keras": 20, "tutorials_tape": 8}  # folder -> the minimum size


def programs(corpus):
    folder = os.path.join(HERE, corpus)
    return sorted(name for name in os.listdir(folder) if name.endswith(".py"))


def keras_runs(corpus):
    with open(os.path.join(HERE, corpus, "keras_runs.json")) as file:
        return json.load(file)


CASES = [(corpus, program) for corpus in CORPORA for program in programs(corpus)]


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_the_corpus_is_there_and_every_program_ran_on_keras(corpus):
    names = programs(corpus)
    assert len(names) >= CORPORA[corpus], f"{corpus} has {len(names)} programs"
    runs = keras_runs(corpus)
    assert runs["keras"].startswith("3.15") and runs["tensorflow"].startswith("2.21")
    assert sorted(runs["runs"]) == names, "keras_runs.json must list exactly the corpus's programs"
    failed = [name for name, run in runs["runs"].items() if not run["ok"]]
    assert not failed, f"these did not run on Keras: {failed}"


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_the_readme_quotes_the_keras_runs(corpus):
    """One README row per program, its Keras time taken from keras_runs.json."""
    with open(os.path.join(HERE, corpus, "README.md")) as file:
        readme = file.read().splitlines()
    for program, run in keras_runs(corpus)["runs"].items():
        rows = [line for line in readme if line.startswith(f"| `{program}` |")]
        assert len(rows) == 1, f"{corpus}/README.md: one row for {program}"
        assert rows[0].endswith(f"| {run['wall_seconds']} s wall, {run['cpu_seconds']} s CPU |"), \
            f"{corpus}/README.md: {program}'s time differs from keras_runs.json"


@pytest.mark.parametrize("corpus, program", CASES, ids=[f"{c}/{p}" for c, p in CASES])
def test_tutorial_runs_on_minicnn_with_only_its_imports_changed(corpus, program, tmp_path):
    with open(os.path.join(HERE, corpus, program)) as file:
        keras_source = file.read()
    assert any(IMPORT.match(line) for line in keras_source.splitlines())  # it is Keras code
    source = rewrite_imports(keras_source)
    assert only_imports_changed(keras_source, source)
    result = run_program(source, tmp_path, program)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
