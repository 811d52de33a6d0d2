"""Keras lesson programs run on minicnn with only their import lines changed.

Each program in tests/lessons/ is Keras code (TensorFlow and scikit-learn imports).
The test rewrites `tensorflow` -> `minicnn` and `sklearn` -> `minicnn` on import
lines (and Keras 3's `import keras` -> `from minicnn import keras`, `from keras` ->
`from minicnn.keras`), checks that nothing else changed, and runs the result in a
fresh Python on the bundled samples. The README's Keras program is run the same way;
tests/test_tutorials.py runs the tutorial corpus with the same rule.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LESSONS = os.path.join(HERE, "lessons")
ROOT = os.path.dirname(HERE)
SAMPLES = os.path.join(ROOT, "minicnn", "samples")
PROGRAMS = ["generator_snippets.py", "sequential_snippets.py", "covid_xray.py", "galaxy.py"]
IMPORT = re.compile(r"^(\s*)(import|from)\s+(tensorflow|sklearn|keras)\b")
KERAS_HOME = os.path.join(HERE, "fixtures", "keras_home")


def rewrite_imports(source):
    """The rule: on import lines only, tensorflow -> minicnn, sklearn -> minicnn,
    `import keras` -> `from minicnn import keras`, `from keras` -> `from minicnn.keras`;
    `import sklearn.metrics` (which binds the name sklearn) ->
    `import minicnn as sklearn; import minicnn.metrics` (one line still)."""
    lines = []
    for line in source.splitlines(keepends=True):
        if IMPORT.match(line):
            # `import sklearn.metrics` binds `sklearn`: minicnn, under that name, then the module
            line = re.sub(r"^(\s*)import (tensorflow|sklearn)\.([\w.]+)\s*$",
                          r"\1import minicnn as \2; import minicnn.\3\n", line)
            line = re.sub(r"^(\s*)import keras\b", r"\1from minicnn import keras", line)
            line = re.sub(r"^(\s*)from keras\b", r"\1from minicnn.keras", line)
            line = re.sub(r"\b(?<!as )(tensorflow|sklearn)\b(?!;)", "minicnn", line)
        lines.append(line)
    return "".join(lines)


def only_imports_changed(before, after):
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    return len(before.splitlines()) == len(after.splitlines()) and all(
        IMPORT.match(a) for a, _ in changed)


def run_program(source, tmp_path, name="program.py"):
    """Run a rewritten program in tmp_path as a student would: the covid sample as
    Covid19-dataset/, the galaxy sample, Keras's dataset cache (a copy of the fixture)."""
    (tmp_path / "Covid19-dataset").symlink_to(os.path.join(SAMPLES, "covid-xray"))
    for helper in ("utils.py", "visualize.py"):
        with open(os.path.join(LESSONS, helper)) as file:
            (tmp_path / helper).write_text(rewrite_imports(file.read()))
    shutil.copytree(KERAS_HOME, tmp_path / ".keras")
    (tmp_path / name).write_text(source)
    env = dict(os.environ, MPLBACKEND="Agg", GALAXY_SAMPLE=os.path.join(SAMPLES, "galaxy"),
               KERAS_HOME=str(tmp_path / ".keras"),
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, name], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=600)


def test_rewriting_touches_import_lines_only():
    source = ("import tensorflow as tf\nx = 'tensorflow'\nfrom sklearn.metrics import f1\n"
              "import keras\nfrom keras import layers\nfrom keras.utils import to_categorical\n"
              "import kerastuner\n")
    rewritten = rewrite_imports(source)
    assert rewritten == ("import minicnn as tf\nx = 'tensorflow'\nfrom minicnn.metrics import f1\n"
                         "from minicnn import keras\nfrom minicnn.keras import layers\n"
                         "from minicnn.keras.utils import to_categorical\nimport kerastuner\n")
    assert only_imports_changed(source, rewritten)


@pytest.mark.parametrize("program", PROGRAMS)
def test_lesson_program_runs_with_only_its_imports_changed(program, tmp_path):
    with open(os.path.join(LESSONS, program)) as file:
        keras_source = file.read()
    assert "import tensorflow" in keras_source  # it is Keras code
    source = rewrite_imports(keras_source)
    assert only_imports_changed(keras_source, source)
    result = run_program(source, tmp_path, program)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def python_blocks(path="README.md"):
    with open(os.path.join(ROOT, path)) as file:
        text = file.read()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_readmes_keras_program_runs_with_the_readmes_imports(tmp_path):
    """The lesson's program side by side with its minicnn imports (docs/keras.md), and the
    README's import block is those same imports."""
    blocks = python_blocks("docs/keras.md")
    keras_program = next(b for b in blocks if b.startswith("# The lesson, as Keras runs it"))
    minicnn_imports = next(b for b in blocks if b.startswith("# On minicnn"))
    new_imports = [line for line in minicnn_imports.splitlines()
                   if line.startswith(("import", "from"))]
    # the README's import block is exactly the rule applied to the program's imports
    keras_imports = [line for line in keras_program.splitlines()
                     if line.startswith(("import", "from"))]
    assert [rewrite_imports(line + "\n").rstrip("\n") for line in keras_imports] == new_imports
    readme_imports = next(b for b in python_blocks() if "import minicnn as tf" in b)
    assert readme_imports.splitlines() == new_imports
    result = run_program(rewrite_imports(keras_program), tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def only_imports(block):
    """The README's import block: the lesson's imports, checked with the lesson above."""
    return all(line.startswith(("import ", "from ")) for line in block.strip().splitlines())


def test_the_readmes_other_python_blocks_run(tmp_path):
    """Every other Python block of the README and of the docs it links to runs as printed."""
    others = [b for path in ("README.md", "docs/inside.md", "docs/how-it-runs.md",
                             "docs/command-line.md")
              for b in python_blocks(path) if not only_imports(b)]
    assert len(others) >= 4
    for index, block in enumerate(others):
        folder = tmp_path / f"block{index}"
        folder.mkdir()
        if "onnxruntime" in block:  # the export section's: reads what `minicnn export` wrote
            pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
            from minicnn.export import to_onnx
            from minicnn.projects import xray
            to_onnx(xray.build_model(3), folder / "xray.onnx")
        result = run_program(block, folder)
        assert result.returncode == 0, block + result.stderr[-3000:]
