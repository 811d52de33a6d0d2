"""The package's layout: the core a learner reads, under a line budget, and the
boundaries between it and its surroundings (DESIGN: data flows one way, and the
core depends on nothing around it). Imports are read from the source (every
import statement, at any depth, counts), so a lazy import is no way round a rule."""
import ast
import os

import minicnn

PACKAGE = os.path.dirname(os.path.abspath(minicnn.__file__))

# The core: what a learner reads (README.md's map), and what it needs to run.
CORE = ("tiny.py", "sequential.py", "nesting.py", "losses.py", "optimizers.py",
        "initializers.py", "regularizers.py", "activations.py", "gradcheck.py", "schedules.py",
        "seeding.py", "arguments.py", "interrupts.py", "layers/", "ops/__init__.py",
        "ops/naive.py", "ops/reference.py", "ops/windows.py", "tape/")
# Around it (everything else but minicnn/__init__.py and import_paths.py, which name the
# public paths): speed below and around the step, training, data, other libraries' names,
# and what is built on minicnn.
SURROUNDINGS = ("ops/fast/", "parallel/", "training/", "preprocessing/", "compat/", "apps/",
                "samples/")
# The budget the core is kept under (tinygrad's habit): lines of code, comments and
# docstrings included, of the files listed in CORE.
CORE_LINE_BUDGET = 9000


def relative(path):
    return os.path.relpath(path, PACKAGE).replace(os.sep, "/")


def python_files():
    for folder, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                yield relative(os.path.join(folder, name))


def is_in(path, places):
    return any(path == place or (place.endswith("/") and path.startswith(place))
               for place in places)


def module_path(module):
    """minicnn.a.b -> the file it is (a/b.py or a/b/__init__.py), or None."""
    parts = module.split(".")[1:]
    for candidate in ("/".join(parts) + ".py", "/".join(parts + ["__init__.py"])):
        if os.path.exists(os.path.join(PACKAGE, candidate)):
            return candidate
    return None


def imported_files(path):
    """The files of minicnn a file imports (the submodule for ``from a import b``
    when b is one), by reading its source."""
    tree = ast.parse(open(os.path.join(PACKAGE, path)).read())
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if module_path(f"{node.module}.{alias.name}")
                     else node.module for alias in node.names]
        for name in names:
            if name == "minicnn" or name.startswith("minicnn."):
                target = module_path(name)
                if target is not None:
                    found.add(target)
    return found


def test_every_file_is_core_or_surroundings():
    unplaced = [p for p in python_files()
                if not is_in(p, CORE + SURROUNDINGS + ("__init__.py", "__main__.py",
                                                       "import_paths.py"))]
    assert not unplaced, f"place these in CORE or SURROUNDINGS: {unplaced}"


def test_the_core_imports_nothing_from_its_surroundings():
    bad = {path: sorted(target for target in imported_files(path)
                        if is_in(target, SURROUNDINGS) or target == "__init__.py")
           for path in python_files() if is_in(path, CORE)}
    bad = {path: targets for path, targets in bad.items() if targets}
    assert not bad, bad


def test_the_core_stays_under_its_line_budget():
    lines = {path: len(open(os.path.join(PACKAGE, path)).read().splitlines())
             for path in python_files() if is_in(path, CORE)}
    total = sum(lines.values())
    largest = sorted(lines.items(), key=lambda item: -item[1])[:5]
    assert total <= CORE_LINE_BUDGET, f"the core has {total} lines; largest: {largest}"


def test_the_boundaries_inside_the_core():
    """Layers know no optimizer, model or loader; the textbook ops know nothing of
    minicnn but the window geometry and the activations; the tape knows layers only
    through their contract (it imports no layer)."""
    rules = {"layers/": ("optimizers.py", "sequential.py", "losses.py"),
             "ops/reference.py": ("layers/", "tape/", "sequential.py"),
             "ops/naive.py": ("layers/", "tape/", "sequential.py"),
             "tape/": ("layers/", "sequential.py", "optimizers.py", "losses.py")}
    bad = {}
    for path in python_files():
        for place, forbidden in rules.items():
            if is_in(path, (place,)):
                hits = sorted(t for t in imported_files(path) if is_in(t, forbidden))
                if hits:
                    bad[path] = hits
    assert not bad, bad


def test_the_surroundings_keep_their_order():
    """Data knows nothing of models or training; the training verbs know nothing of
    the applications; other libraries' names are imported by nothing but themselves
    and the applications (and minicnn's own public paths)."""
    rules = {"preprocessing/": ("training/", "apps/", "compat/", "sequential.py"),
             "training/": ("apps/",),
             "parallel/": ("training/", "apps/", "compat/", "preprocessing/")}
    bad = {}
    for path in python_files():
        for place, forbidden in rules.items():
            if is_in(path, (place,)):
                hits = sorted(t for t in imported_files(path) if is_in(t, forbidden))
                if hits:
                    bad[path] = hits
    assert not bad, bad


def test_the_readmes_map_names_core_files_with_their_line_counts():
    """The README's reading list: every file in it exists, is in the core, and has about
    the number of lines the README says (within 10%: a map, not a ledger)."""
    import re
    readme = open(os.path.join(os.path.dirname(PACKAGE), "README.md")).read()
    table = readme[readme.index("<!-- map: start"):readme.index("<!-- map: end")]
    rows = re.findall(r"\| `minicnn/([\w/]+\.py)` \| (\d+) \|", table)
    assert len(rows) >= 10, rows
    for path, stated in rows:
        assert is_in(path, CORE), path
        actual = len(open(os.path.join(PACKAGE, path)).read().splitlines())
        assert abs(actual - int(stated)) <= 0.1 * actual, (path, stated, actual)
