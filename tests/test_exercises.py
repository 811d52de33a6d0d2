"""The exercise notebooks: the full version runs with every check passing, the student
version runs with every check failing with its message (never a traceback), and both
are what nbgrader expects of a teacher's source and of its release."""
import json
import os
import time

import pytest

from minicnn.apps.exercises import answers, write_exercises
from minicnn.apps.exercises.release import BEGIN, END, STUB, sources, without_solutions

nbformat = pytest.importorskip("nbformat", reason="the notebook runner is a test extra")
nbclient = pytest.importorskip("nbclient", reason="the notebook runner is a test extra")

NAMES = [os.path.basename(path) for path in sources()]


def cells_of(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)["cells"]


def grading(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def text(cell):
    return "".join(cell["source"])


def run(folder, name):
    """Execute a notebook as Jupyter would (errors recorded, as nbgrader's autograde
    records them); returns its code cells with their outputs."""
    notebook = nbformat.read(os.path.join(folder, name), as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     allow_errors=True, resources={"metadata": {"path": folder}})
    start = time.perf_counter()
    client.execute()
    print(f"{name}: {time.perf_counter() - start:.1f} s")
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def errors(cell):
    return [output for output in cell.outputs if output.output_type == "error"]


def printed(cell):
    return "".join(output.get("text", "") for output in cell.outputs
                   if output.output_type == "stream")


def test_nine_exercises_in_four_parts_with_nbgraders_metadata():
    assert NAMES == ["part-1-convolution.ipynb", "part-2-pooling-relu-dense.ipynb",
                     "part-3-loss-dropout-optimizers.ipynb", "part-4-training.ipynb"]
    ids, checked = set(), []
    for path in sources():
        for cell in cells_of(path):
            meta = grading(cell)
            assert not cell.get("outputs"), "sources are stored without outputs"
            if not meta:
                assert BEGIN not in text(cell), "a solution outside an answer cell"
                continue
            assert meta["schema_version"] == 3 and meta["grade_id"] not in ids
            ids.add(meta["grade_id"])
            if meta["solution"]:  # an answer: a stub to fill, the solution between the markers
                assert not meta["grade"] and not meta["locked"]
                assert text(cell).count(BEGIN) == text(cell).count(END) >= 1
            else:  # a check: graded, locked, worth points
                assert meta["grade"] and meta["locked"] and meta["points"] > 0
                checked += [line.split('"')[1] for line in text(cell).splitlines()
                            if line.startswith("check(")]
    assert checked == list(exercises_checks())


def exercises_checks():
    from minicnn.apps.exercises import CHECKS
    return CHECKS


def test_the_student_version_is_the_source_with_each_solution_replaced_by_nbgraders_stub(tmp_path):
    written, kept = write_exercises(tmp_path)
    assert [os.path.basename(p) for p in written] == NAMES and kept == []
    source = cells_of(sources()[0])
    student = cells_of(written[0])
    conv = next(i for i, cell in enumerate(source)
                if grading(cell).get("grade_id") == "conv_forward_loops")
    lines = text(student[conv]).splitlines()
    assert BEGIN not in text(student[conv]) and "x_pad" not in text(student[conv])
    stub = lines.index("    " + STUB[0])
    assert lines[stub + 1] == "    " + STUB[1]  # at the region's indentation
    assert lines[stub - 1] == "    kh, kw, _, F = w.shape"
    assert lines[stub + 2].startswith("    return out")
    assert [text(a) for a, b in zip(source, student) if not grading(a).get("solution")] == \
        [text(b) for a, b in zip(source, student) if not grading(a).get("solution")]


def test_writing_keeps_a_students_work_and_the_full_version_is_the_source(tmp_path):
    write_exercises(tmp_path)
    mine = tmp_path / NAMES[0]
    mine.write_text("my work")
    written, kept = write_exercises(tmp_path, solutions=True)
    assert written == [] and kept == [str(tmp_path / name) for name in NAMES]
    assert mine.read_text() == "my work"
    full = tmp_path / "full"
    write_exercises(full, solutions=True)
    for path in sources():
        assert cells_of(full / os.path.basename(path)) == cells_of(path)


def test_solution_regions_must_close():
    with pytest.raises(ValueError, match="BEGIN SOLUTION without"):
        without_solutions(f"x = 1\n{BEGIN}\ny = 2\n")
    with pytest.raises(ValueError, match="END SOLUTION without"):
        without_solutions(f"x = 1\n{END}\n")


def test_answers_reads_the_functions_a_saved_notebook_defines(tmp_path):
    found = answers(*sources()[:1])
    assert sorted(found) == ["col2im", "conv_backward", "conv_forward", "conv_forward_loops",
                             "im2col"]
    with pytest.raises(FileNotFoundError, match="minicnn exercises DIR"):
        answers(str(tmp_path / "part-9.ipynb"))


@pytest.fixture(scope="module")
def solutions_run(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("solutions"))
    write_exercises(folder, solutions=True)
    return {name: run(folder, name) for name in NAMES}


@pytest.fixture(scope="module")
def students_run(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("students"))
    write_exercises(folder)
    return {name: run(folder, name) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_the_full_notebooks_run_and_every_check_passes(solutions_run, name):
    cells = solutions_run[name]
    assert not [errors(cell) for cell in cells if errors(cell)], "no cell fails"
    for cell in cells:
        if grading(cell).get("grade") and text(cell).startswith("check("):
            assert ": correct" in printed(cell), text(cell)


def test_the_real_model_trains_the_same_with_the_solutions(solutions_run):
    cell = next(c for c in solutions_run["part-4-training.ipynb"]
                if grading(c).get("grade_id") == "trains_like_minicnn")
    lines = printed(cell).splitlines()
    yours = next(line for line in lines if line.startswith("test accuracy with your functions"))
    theirs = next(line for line in lines if line.startswith("test accuracy with minicnn's"))
    assert yours.split()[5] == theirs.split()[4]  # also asserted in the notebook
    assert float(yours.split()[5]) > 0.5  # chance is 1/3: the model learnt something


@pytest.mark.parametrize("name", NAMES)
def test_the_student_notebooks_run_and_every_check_fails_with_its_message(students_run, name):
    cells = students_run[name]
    for cell in cells:
        failed = errors(cell)
        if grading(cell).get("grade"):
            assert len(failed) == 1, text(cell)
        for error in failed:  # every error is a check's verdict, shown without a traceback
            shown = "\n".join(error["traceback"])
            assert error["ename"] == "ExerciseFailed", shown
            assert "Traceback" not in shown and "numpy" not in shown and "File " not in shown
            assert "not written yet" in shown or "does not pass its check yet" in shown, shown
