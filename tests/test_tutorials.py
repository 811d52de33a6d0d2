"""The Keras a student meets after the first lesson: the tutorial corpus in
tests/tutorials/ (each program first run on Keras 3.15; see its README) runs on
minicnn with only its import lines rewritten, by the rule of tests/test_lessons.py."""
import os

import pytest

from test_lessons import HERE, only_imports_changed, rewrite_imports, run_program

TUTORIALS = os.path.join(HERE, "tutorials")
PROGRAMS = sorted(name for name in os.listdir(TUTORIALS) if name.endswith(".py"))


def test_the_corpus_is_there():
    assert len(PROGRAMS) >= 15


@pytest.mark.parametrize("program", PROGRAMS)
def test_tutorial_runs_with_only_its_imports_changed(program, tmp_path):
    with open(os.path.join(TUTORIALS, program)) as file:
        keras_source = file.read()
    assert "import tensorflow" in keras_source or "import keras" in keras_source \
        or "from keras" in keras_source  # it is Keras code
    source = rewrite_imports(keras_source)
    assert only_imports_changed(keras_source, source)
    result = run_program(source, tmp_path, program)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
