"""The exercise notebooks, as a teacher keeps them (solutions in) and as a student
gets them (solutions replaced by stubs), written into a folder.

The sources (exercises/notebooks/*.ipynb) follow nbgrader's conventions: answer
cells carry ``### BEGIN SOLUTION`` / ``### END SOLUTION`` around the solution and
nbgrader's cell metadata ({"solution": true, ...}); check cells are graded
({"grade": true, "points": ..., "locked": true}). A teacher can hand the full
version to ``nbgrader generate_assignment``; the student version written here is
what it would release: each solution region replaced by nbgrader's stub, at the
region's indentation, and each hidden test (``### BEGIN HIDDEN TESTS`` / ``### END
HIDDEN TESTS``, markers included) removed. Plain JSON, so writing them needs no
Jupyter package.

Writing is atomic (a notebook is written beside its place, then renamed into it),
so a write cut short leaves no partial notebook; a notebook already there is a
student's work and is kept, unless ``force``; a file there that is not a readable
notebook (cut short by an older writer, or by a full disk) is not anybody's work:
it is set aside (renamed, never deleted) and the notebook written anew.
"""
import glob
import json
import os
from collections import namedtuple

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebooks")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]  # nbgrader's stub for Python

# What write_exercises did: the paths written where there was nothing, kept (a
# student's notebook), overwritten (with force), and set aside ({unreadable file:
# the name it has now}; a fresh notebook is written in its place).
Written = namedtuple("Written", "written kept overwritten set_aside")


def sources():
    """The paths of the exercise notebooks, in order."""
    return sorted(glob.glob(os.path.join(SOURCES, "*.ipynb")))


def write_exercises(folder, solutions=False, force=False):
    """Write the exercise notebooks into ``folder`` (created if needed): the student
    version, or with ``solutions`` the full one. A notebook already there is kept
    (it may hold a student's work), or with ``force`` overwritten; an unreadable
    file there is set aside. Returns a Written."""
    os.makedirs(folder, exist_ok=True)
    done = Written([], [], [], {})
    for path in sources():
        target = os.path.join(folder, os.path.basename(path))
        if os.path.exists(target):
            if not readable(target):
                done.set_aside[target] = set_aside(target)
            elif force:
                done.overwritten.append(target)
            else:
                done.kept.append(target)
                continue
        with open(path, encoding="utf-8") as file:
            notebook = json.load(file)
        if not solutions:
            notebook = student_version(notebook, os.path.basename(path))
        write_atomically(target, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        if target not in done.overwritten:
            done.written.append(target)
    return done


def readable(path):
    """Whether ``path`` is a whole notebook (JSON with a list of cells): a file cut
    short is not."""
    try:
        with open(path, encoding="utf-8") as file:
            return isinstance(json.load(file).get("cells"), list)
    except (OSError, ValueError, AttributeError):  # unreadable, not JSON (cut short), no dict
        return False


def set_aside(path):
    """Rename ``path`` to path.unreadable (or .unreadable-2, ...): never deleted."""
    aside, n = path + ".unreadable", 1
    while os.path.exists(aside):
        n += 1
        aside = f"{path}.unreadable-{n}"
    os.replace(path, aside)
    return aside


def write_atomically(path, text):
    """Write ``text`` beside ``path``, then rename it into place: ``path`` is the old
    file or the whole new one, never a part of it."""
    partial = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.writing")
    try:
        with open(partial, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def student_version(notebook, name="notebook"):
    """The notebook with every solution region replaced by the stub (a new dict)."""
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            source = without_solutions(source, f"{name}, cell {index}")
            source = without_hidden_tests(source, f"{name}, cell {index}")
        cells.append({**cell, "source": source.splitlines(keepends=True)})
    return {**notebook, "cells": cells}


def without_solutions(source, where="a cell"):
    """``source`` with each BEGIN/END SOLUTION region (markers included) replaced
    by the stub, indented as the BEGIN line is."""
    lines, out, region = source.split("\n"), [], None
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN:
            if region is not None:
                raise ValueError(f"{where}, line {number}: {BEGIN} inside another solution region")
            region = line[:len(line) - len(line.lstrip())]
            out += [region + stub for stub in STUB]
        elif line.strip() == END:
            if region is None:
                raise ValueError(f"{where}, line {number}: {END} without {BEGIN}")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise ValueError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def without_hidden_tests(source, where="a cell"):
    """``source`` without its BEGIN/END HIDDEN TESTS regions, markers included (as
    nbgrader releases a graded cell; its autograde puts them back)."""
    lines, out, hidden = source.split("\n"), [], False
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN_HIDDEN:
            if hidden:
                raise ValueError(f"{where}, line {number}: {BEGIN_HIDDEN} inside another")
            hidden = True
        elif line.strip() == END_HIDDEN:
            if not hidden:
                raise ValueError(f"{where}, line {number}: {END_HIDDEN} without {BEGIN_HIDDEN}")
            hidden = False
        elif not hidden:
            out.append(line)
    if hidden:
        raise ValueError(f"{where}: {BEGIN_HIDDEN} without {END_HIDDEN}")
    return "\n".join(out)
