"""The exercise notebooks: the full version runs with every check passing, the student
version runs with every check failing with its message (never a traceback), and both
are what nbgrader expects of a teacher's source and of its release."""
import json
import os
import time

import pytest

from minicnn.apps.exercises import answers, write_exercises
from minicnn.apps.exercises.release import (BEGIN, BEGIN_HIDDEN, END, STUB, sources,
                                            without_hidden_tests, without_solutions)

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


def test_ten_exercises_in_five_parts_with_nbgraders_metadata():
    assert NAMES == ["part-1-convolution.ipynb", "part-2-pooling-relu-dense.ipynb",
                     "part-3-loss-dropout-optimizers.ipynb", "part-4-training.ipynb",
                     "part-5-tape.ipynb"]
    ids, checked, points = set(), [], 0
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
                points += meta["points"]
                checks = [line.split('"')[1] for line in text(cell).splitlines()
                          if line.startswith("check(")]
                checked += checks
                if checks:  # check from the package afresh, and the grading's hidden test
                    assert text(cell).startswith("from minicnn.apps.exercises import check ")
                    assert f'{BEGIN_HIDDEN}\nfrom minicnn.apps.exercises import own_work\n' \
                        f'own_work("{checks[0]}", ' in text(cell)
                else:  # the last cell of parts 4 and 5: the X-ray model trained with them
                    assert "from minicnn.apps.exercises import trains_like_minicnn" in text(cell) \
                        or "from minicnn.apps.exercises import tape_trains_like_minicnn" \
                        in text(cell)
    assert checked == list(exercises_checks())
    assert points == 31  # the README says so: "31 points in all", and nbgrader scored 31/31


def exercises_checks():
    from minicnn.apps.exercises import CHECKS
    return CHECKS


def test_the_student_version_is_the_source_with_each_solution_replaced_by_nbgraders_stub(tmp_path):
    written, kept, _, _ = write_exercises(tmp_path)
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
    assert [without_hidden_tests(text(a)) for a in source if not grading(a).get("solution")] == \
        [text(b) for a, b in zip(source, student) if not grading(a).get("solution")]
    assert not any("HIDDEN" in text(cell) or "own_work" in text(cell) for cell in student)


def test_writing_keeps_a_students_work_and_the_full_version_is_the_source(tmp_path):
    write_exercises(tmp_path)
    mine = tmp_path / NAMES[0]
    mine.write_text('{"cells": [], "my": "work"}')
    written, kept, overwritten, aside = write_exercises(tmp_path, solutions=True)
    assert written == overwritten == [] and aside == {}
    assert kept == [str(tmp_path / name) for name in NAMES]
    assert mine.read_text() == '{"cells": [], "my": "work"}'
    full = tmp_path / "full"
    write_exercises(full, solutions=True)
    for path in sources():
        assert cells_of(full / os.path.basename(path)) == cells_of(path)


def test_a_write_cut_short_leaves_no_partial_notebook_and_the_next_run_writes_it(tmp_path,
                                                                              monkeypatch):
    def disk_full(descriptor):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_exercises(tmp_path)
    assert os.listdir(tmp_path) == []  # neither the notebook nor the file it was written in
    monkeypatch.undo()
    assert [os.path.basename(p) for p in write_exercises(tmp_path).written] == NAMES


def test_a_partial_notebook_is_set_aside_not_kept_and_force_overwrites_a_students(tmp_path,
                                                                                  capsys):
    from minicnn.apps.cli import main
    write_exercises(tmp_path)
    cut = tmp_path / NAMES[0]
    cut.write_bytes(cut.read_bytes()[:500])  # a notebook cut short by an older writer
    mine = tmp_path / NAMES[1]
    mine.write_text('{"cells": [], "my": "work"}')
    assert main(["exercises", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{cut} was not a whole notebook (a write cut short?): moved it to {cut}.unreadable" \
        in out
    assert f"kept {mine}: it exists and may hold your work (--force overwrites it)" in out
    assert cells_of(cut) == cells_of(written_version(NAMES[0], tmp_path / "fresh"))
    assert (tmp_path / (NAMES[0] + ".unreadable")).read_bytes() == cut.read_bytes()[:500]
    assert mine.read_text() == '{"cells": [], "my": "work"}'
    assert main(["exercises", str(tmp_path), "--force"]) == 0
    assert f"overwrote {mine} (--force)" in capsys.readouterr().out
    assert cells_of(mine) == cells_of(written_version(NAMES[1], tmp_path / "fresh"))


def written_version(name, folder):
    write_exercises(folder)
    return folder / name


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


_runs = {}


def executed(tmp_path_factory, version, name):
    """The code cells of notebook ``name`` of the ``version`` ("solutions" or
    "students") after a run, each notebook run once per process (the part-4 one
    reads parts 1 to 3, which write_exercises writes beside it)."""
    if (version, name) not in _runs:
        folder = str(tmp_path_factory.mktemp(version))
        write_exercises(folder, solutions=version == "solutions")
        _runs[version, name] = run(folder, name)
    return _runs[version, name]


@pytest.mark.parametrize("name", NAMES)
def test_the_full_notebooks_run_and_every_check_passes(tmp_path_factory, name):
    cells = executed(tmp_path_factory, "solutions", name)
    assert not [errors(cell) for cell in cells if errors(cell)], "no cell fails"
    for cell in cells:
        if grading(cell).get("grade") and "\ncheck(" in text(cell):
            assert ": correct" in printed(cell) and ": your own work" in printed(cell), text(cell)
    if name == "part-4-training.ipynb":  # the real model trains the same with the solutions
        cell = next(c for c in cells if grading(c).get("grade_id") == "trains_like_minicnn")
        lines = printed(cell).splitlines()
        yours = next(line for line in lines if line.startswith("test accuracy with your"))
        theirs = next(line for line in lines if line.startswith("test accuracy with minicnn's"))
        assert yours.split()[5] == theirs.split()[4]  # trains_like_minicnn also requires it
        assert float(yours.split()[5]) > 0.5  # chance is 1/3: the model learnt something
    if name == "part-5-tape.ipynb":  # the tape loop with the solution's walk: minicnn's weights
        cell = next(c for c in cells if grading(c).get("grade_id") == "tape_trains_like_minicnn")
        lines = printed(cell).splitlines()
        assert "losses with your walk (4 walks, one per step)" in printed(cell)
        yours = next(line for line in lines if line.startswith("losses with your walk"))
        theirs = next(line for line in lines if line.startswith("losses with minicnn's walk"))
        assert yours.split()[-4:] == theirs.split()[-4:]
        assert lines[-1].startswith("the largest difference between the two models' weights")
        assert float(lines[-1].split()[-1]) < 1e-5


def test_rebinding_check_in_an_answer_cell_scores_nothing(tmp_path):
    """The trick `check = lambda *a, **k: print("all good")` in an answer cell: each
    graded cell takes check from the package afresh, so the stubs still fail."""
    write_exercises(tmp_path)
    path = tmp_path / NAMES[0]
    notebook = json.loads(path.read_text())
    answer = next(cell for cell in notebook["cells"] if grading(cell).get("solution"))
    answer["source"] = ['check = lambda *a, **k: print("all good")\n'] + answer["source"]
    path.write_text(json.dumps(notebook))
    graded = [cell for cell in run(str(tmp_path), NAMES[0]) if grading(cell).get("grade")]
    assert graded and all(len(errors(cell)) == 1 for cell in graded)
    assert not any("all good" in printed(cell) for cell in graded)


@pytest.mark.parametrize("name", NAMES)
def test_the_student_notebooks_run_and_every_check_fails_with_its_message(tmp_path_factory,
                                                                         name):
    cells = executed(tmp_path_factory, "students", name)
    for cell in cells:
        failed = errors(cell)
        if grading(cell).get("grade"):
            assert len(failed) == 1, text(cell)
        for error in failed:  # every error is a check's verdict, shown without a traceback
            shown = "\n".join(error["traceback"])
            assert error["ename"] == "ExerciseFailed", shown
            assert "Traceback" not in shown and "numpy" not in shown and "File " not in shown
            assert "not written yet" in shown or "does not pass its check yet" in shown, shown
