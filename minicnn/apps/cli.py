"""The ``minicnn`` command: ``minicnn train xray|galaxy``, ``minicnn predict``, ``minicnn
duplicates`` and the rest (``minicnn --help``)."""
import argparse
import glob
import json
import os
import shutil
import sys

import numpy as np

PROJECT_HELP = {
    "xray": ("Train the chest X-ray classifier (256x256 grayscale).",
             "folder with train/ and test/, one subfolder per class (flow_from_directory "
             "layout), such as the Covid-19 or the pneumonia X-rays (the README says where to "
             "get them); default: the small covid sample bundled with minicnn"),
    "galaxy": ("Train the galaxy classifier (128x128 RGB, Galaxy Zoo).",
               "a galaxydata.npz (images and one-hot labels; split 80/20 stratified by the seed) "
               "or a folder with train/ and test/ class folders, such as the Galaxy Zoo 1 "
               "images (the README says where to get them); required"),
}
INSTALL_JUPYTER = "pip install jupyterlab ipykernel"


def training_options():
    """The options of ``minicnn train PROJECT``, shared by every project."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--epochs", type=int,
                         help="passes over the training set (default: the recipe's; 10 for the "
                              "lessons')")
    options.add_argument("--batch-size", type=int, default=32, help="images per step (default 32)")
    options.add_argument("--lr", type=float,
                         help="learning rate (default: the recipe's; 0.001 for the lessons')")
    options.add_argument("--optimizer", choices=("adam", "sgd"), default="adam",
                         help="adam (default) or sgd (momentum 0.9, Nesterov)")
    options.add_argument("--seed", type=int, default=0,
                         help="seed for weights, shuffling, augmentation and splits (default 0)")
    options.add_argument("--validation-split", type=float,
                         help="fraction of the training images held out for validation curves "
                              "(default: the recipe's; 0.2 for the lessons'; 0 for none)")
    options.add_argument("--cv", type=int, metavar="K",
                         help="instead of training once: K-fold stratified cross-validation on "
                              "the training images (the test images are not read); prints and "
                              "writes cv.json with the pooled out-of-fold accuracy and per-class "
                              "recall, fold by fold too: how to choose a recipe")
    options.add_argument("--out", metavar="DIR",
                         help="where to write the report (default runs/PROJECT)")
    options.add_argument("--quiet", action="store_true", help="no progress bars")
    options.add_argument("--image-size", type=int, nargs="+", metavar="N",
                         help="resize images to N (square) or H W; default: the lesson's "
                              "(xray 256, galaxy 128); at most 2048")
    options.add_argument("--class-weight", metavar="W",
                         help="'balanced' (each class weighs n_samples / (n_classes * its count), "
                              "as scikit-learn), 'sqrt-balanced' (the square roots of those: "
                              "softer), or weights by class name (as the data's folders are "
                              "named) or index: 'Covid=3,Normal=1', '{\"Covid\": 3}' or "
                              "'{\"0\": 3}' (classes not listed weigh 1), or 'none'; "
                              "default: the recipe's (none for the lessons')")
    options.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                         help="stop when the validation loss has not improved for PATIENCE "
                              "epochs, and keep the best epoch's weights")
    options.add_argument("--resume", action="store_true",
                         help="continue the interrupted run in --out from its last checkpoint "
                              "(same settings; --epochs is the total)")
    options.add_argument("--threads", type=int, metavar="N",
                         help="threads for the fast ops (default: one per core)")
    options.add_argument("--ops", choices=("numba", "numpy", "naive"), default="numba",
                         help="numba: the fast ops (default); numpy: the textbook path, "
                              "im2col and one matrix product per convolution, one thread, the "
                              "code you read in minicnn/ops/reference.py; naive: plain loops "
                              "(minicnn/ops/naive.py), for study: very slow")
    return options


def build_parser():
    from minicnn import __version__
    parser = argparse.ArgumentParser(
        prog="minicnn", description="Train and use small CNNs written from scratch in NumPy and numba.")
    parser.add_argument("--version", action="version", version=f"minicnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    options = training_options()
    listing = argparse.ArgumentParser(prog="minicnn train PROJECT", parents=[options],
                                      add_help=False).format_help()
    listing = listing[listing.index("options:"):].replace(
        "options:", "options (after the project's name):\n  --data PATH           the data: "
                    "xray, a folder with train/ and test/ class\n                        "
                    "folders (default: the bundled sample); galaxy, a\n                        "
                    "galaxydata.npz or such a folder (required)", 1)
    train = commands.add_parser(
        "train", help="train a project's model and write its report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a project's model, evaluate it on the test set, and write plots, "
                    "the model and metrics.json.\n\nexamples:\n"
                    "  minicnn train xray                       the bundled X-ray sample\n"
                    "  minicnn train xray --data Covid19-dataset --epochs 40\n"
                    "  minicnn train galaxy --data galaxy-zoo1 --class-weight sqrt-balanced",
        epilog=listing)
    projects = train.add_subparsers(dest="project", required=True, metavar="PROJECT")
    for name, (summary, data_help) in PROJECT_HELP.items():
        p = projects.add_parser(name, help=summary, description=summary, parents=[options])
        p.add_argument("--data", metavar="PATH", help=data_help)
        recipes = project_recipes(name)
        p.add_argument("--recipe", choices=list(recipes), default="lesson",
                       help="the model, what of the image it sees and how it is trained: " +
                       "; ".join(f"{key}: {recipe.summary}" for key, recipe in recipes.items())
                       .replace("%", "%%"))  # argparse formats help with %
    predict = commands.add_parser("predict", help="print class probabilities for images",
                                  description="Print each image's class probabilities under a "
                                              "model saved by 'minicnn train'. Images of another "
                                              "size are resized, with a notice. An image that "
                                              "cannot be read is reported and skipped; the exit "
                                              "status is then 1.")
    predict.add_argument("model", metavar="MODEL", help="a model.npz written by minicnn")
    notebooks = commands.add_parser("notebooks", help="copy the notebooks into a folder",
                                    description="Copy minicnn's notebooks (the internals, one "
                                                "idea each) into DIR, to open with Jupyter: "
                                                f"{INSTALL_JUPYTER}; jupyter lab DIR")
    notebooks.add_argument("folder", metavar="DIR", help="where to copy them (created if needed)")
    duplicates = commands.add_parser(
        "duplicates", help="list exact and near copies among a folder's images, or between two",
        description="With one folder: list the images under DIR (e.g. a data set with train/ "
                    "and test/ class folders) that are exact copies of each other (identical "
                    "pixels) or near copies (the same picture saved again: correlation of "
                    "64x64 averages at --threshold or above), and the test images that copy "
                    "training images: a test set's figures should be given without them too. "
                    "With two: for each image under DIR its most similar image under OTHER "
                    "(32x32 averages, which survive resizing and re-encoding), the copies "
                    "(--threshold or above, or identical pixels), and how many each class of "
                    "DIR has: where a data set's classes come from.")
    duplicates.add_argument("folder", metavar="DIR", help="the folder to search (recursively)")
    duplicates.add_argument("other", metavar="OTHER", nargs="?",
                            help="a second folder: list the copies of DIR's images in it")
    duplicates.add_argument("--threshold", type=float, default=None,
                            help="correlation from which two images are near copies (default "
                                 "0.99 within one folder, 0.95 between two; two different "
                                 "chest X-rays: about 0.86 and 0.80)")
    exercises = commands.add_parser(
        "exercises", help="write the exercise notebooks into a folder",
        description="Write minicnn's nine exercises (four notebooks: convolution; pooling, "
                    "ReLU and dense; the loss, dropout and the optimizers; the training step) "
                    "into DIR: you write the layers, a check after each says what is wrong, "
                    "and the last notebook trains the X-ray model with your functions. "
                    f"Notebooks already in DIR are kept (they may hold your work) unless --force. "
                    f"{INSTALL_JUPYTER}; jupyter lab DIR")
    exercises.add_argument("folder", metavar="DIR", help="where to write them (created if needed)")
    exercises.add_argument("--solutions", action="store_true",
                           help="the full version, solutions in: nbgrader's source format, "
                                "for teachers")
    exercises.add_argument("--force", action="store_true",
                           help="overwrite the notebooks already in DIR (your work in them is "
                                "lost); without it they are kept")
    from minicnn.apps.export import INSTALL_ONNX, OPSETS
    export = commands.add_parser("export", help="write a model as ONNX (needs onnx and "
                                                "onnxruntime)",
                                 description="Write a model saved by minicnn as an ONNX file, "
                                             "for ONNX Runtime, PyTorch or TensorFlow. Input "
                                             "'input': NHWC float32 images, as predict takes. "
                                             f"Needs the onnx package: {INSTALL_ONNX}.")
    export.add_argument("model", metavar="MODEL", help="a model.npz written by minicnn")
    export.add_argument("out", metavar="OUT", help="the .onnx file to write")
    export.add_argument("--opset", type=int, default=17,
                        help=f"ONNX opset, {OPSETS[0]} to {OPSETS[-1]} (default 17)")
    predict.add_argument("images", metavar="IMAGE", nargs="+",
                         help="image files, or folders (searched recursively)")
    return parser


def parse_class_weight(text):
    """--class-weight's text -> "balanced", "sqrt-balanced" or {class name or index: weight}
    (the runner maps names to the data's classes and checks every weight)."""
    from minicnn.apps.projects.runner import CLASS_WEIGHT_FORMS
    if text is None or text in ("balanced", "sqrt-balanced"):
        return text
    if text == "none":  # no weights, over a recipe's own (every class weighs 1)
        return {}
    wrong = ValueError(f"--class-weight {text!r}: expected {CLASS_WEIGHT_FORMS}")
    if text.lstrip().startswith("{"):
        try:
            table = json.loads(text)
        except ValueError:
            raise wrong from None
        if not isinstance(table, dict):
            raise wrong
        return table
    table = {}
    for part in text.split(","):
        name, equals, weight = part.rpartition("=")
        if not equals or not name.strip():
            raise wrong
        try:
            table[name.strip()] = float(weight)
        except ValueError:
            raise wrong from None
    return table


def project_module(project):
    """The module of a project ("xray", "galaxy"): its lesson recipe, and its RECIPES."""
    from minicnn.apps.projects import galaxy, xray
    return {"xray": xray, "galaxy": galaxy}[project]


def project_recipes(project):
    """{name: recipe} of a project (xray.RECIPES, galaxy.RECIPES)."""
    return project_module(project).RECIPES


def train(args):
    from minicnn.apps.projects import runner
    recipe = project_module(args.project)
    if args.recipe != "lesson":
        recipe = project_recipes(args.project)[args.recipe]
    if (args.epochs is not None and args.epochs < 1) or args.batch_size < 1:
        raise ValueError("--epochs and --batch-size must be at least 1")
    if args.validation_split is not None and not 0 <= args.validation_split < 1:
        raise ValueError(f"--validation-split must be in [0, 1); got {args.validation_split}")
    if args.lr is not None and not (args.lr > 0 and np.isfinite(args.lr)):
        raise ValueError(f"--lr must be a finite number > 0; got {args.lr}")
    if args.cv is not None:
        given = [option for option, value in (("--resume", args.resume or None),
                                              ("--early-stopping", args.early_stopping),
                                              ("--validation-split", args.validation_split))
                 if value is not None]
        if given:
            raise ValueError(f"--cv trains K models afresh on all the training images but one "
                             f"fold, for the recipe's epochs: it takes no {', '.join(given)}")
    if args.early_stopping is not None and args.early_stopping < 0:
        raise ValueError(f"--early-stopping takes a patience >= 0; got {args.early_stopping}")
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be at least 1; got {args.threads}")
    if not 0 <= args.seed < 2**32:  # NumPy's seeds (the splits use RandomState)
        raise ValueError(f"--seed must be a whole number from 0 to {2**32 - 1}; got {args.seed}")
    class_weight = parse_class_weight(args.class_weight)
    image_size = args.image_size
    if image_size is not None:
        if len(image_size) not in (1, 2):
            raise ValueError(f"--image-size takes N or H W, got {' '.join(map(str, image_size))}")
        image_size = runner.check_image_size(recipe, tuple(image_size) * (3 - len(image_size)))
    if args.threads is not None:
        from minicnn import set_num_threads
        set_num_threads(args.threads)
    from minicnn import ops
    before = ops.get_ops()
    ops.set_ops(args.ops)
    try:
        if args.cv is not None:
            from minicnn.apps.projects.cross_validation import cross_validate
            chosen = project_recipes(args.project)[args.recipe]
            epochs, lr, weights, _ = runner.recipe_settings(chosen, args.epochs, args.lr,
                                                           class_weight)
            out = args.out or os.path.join("runs", f"{args.project}-cv")
            cross_validate(chosen, args.data, args.cv, epochs, args.batch_size, lr,
                           args.optimizer, args.seed, out, weights, image_size,
                           verbose=0 if args.quiet else 1)
            return
        runner.run(recipe, data=args.data, epochs=args.epochs, batch_size=args.batch_size,
                   learning_rate=args.lr, optimizer=args.optimizer, seed=args.seed, out=args.out,
                   validation_split=args.validation_split, verbose=0 if args.quiet else 1,
                   class_weight=class_weight, resume=args.resume, early_stopping=args.early_stopping,
                   image_size=image_size)
    finally:  # main() may run inside a program (the tests): leave its ops as they were
        if before in ops.RUNGS:
            ops.set_ops(before)


def predict(args):
    """Each image's class probabilities; an image that cannot be read is reported
    and skipped, and the exit status is 1 if any was. Returns the exit status."""
    from minicnn import load_model
    from minicnn.preprocessing.files import (IMAGE_EXTENSIONS, color_mode_of, list_images,
                                             load_image)
    from minicnn.apps.projects import views
    from minicnn.apps.shortcut_learning.band import black_out
    model = load_model(args.model)
    metadata = model.metadata
    if not isinstance(metadata, dict):
        raise ValueError(f"{args.model}: its metadata is not a dict")
    if len(model.input_shape) != 3:
        raise ValueError(f"{args.model}: takes inputs of shape {model.input_shape}, not images "
                         f"(height, width, channels)")
    height, width, channels = model.input_shape
    color_mode = color_mode_of(channels)
    outputs = model.output_shape[-1]
    names = metadata.get("class_names") or [str(k) for k in range(outputs)]
    if len(names) != outputs:
        raise ValueError(f"{args.model}: its metadata names {len(names)} classes but the model "
                         f"has {outputs} outputs")
    rescale = metadata.get("rescale", 1 / 255)
    rescale = 1.0 if rescale is None else rescale  # null: the model was trained on raw pixels
    if not isinstance(rescale, (int, float)) or not np.isfinite(rescale):
        raise ValueError(f"{args.model}: its metadata's rescale must be a number or null, "
                         f"got {rescale!r}")
    band = metadata.get("band")
    if metadata.get("sees") in ("centre", "band") and (
            isinstance(band, bool) or not isinstance(band, (int, float)) or not 0 < band < 0.5):
        raise ValueError(f"{args.model}: its metadata's band must be a fraction in (0, 0.5), "
                         f"got {band!r}")
    test_views = views.check_views(metadata.get("test_views", 1), f"{args.model}: its metadata")
    paths = []
    for path in args.images:
        found = list_images(path) if os.path.isdir(path) else [path]
        if not found:  # a folder without images: say so, rather than print nothing
            raise ValueError(f"{path}: no images in this folder or its subfolders (minicnn "
                             f"predict reads {', '.join(IMAGE_EXTENSIONS)} files)")
        paths += found
    failed = 0
    for path in paths:
        try:
            image = load_image(path, color_mode)
            if image.shape[:2] != (height, width):
                print(f"note: {path} is {image.shape[1]}x{image.shape[0]}; resized to "
                      f"{width}x{height} for this model")
                image = load_image(path, color_mode, (height, width))
        except (ValueError, OSError) as error:
            print(f"minicnn: error: {error}", file=sys.stderr)
            failed += 1
            continue
        x = image[None].astype(np.float32) * np.float32(rescale)
        if metadata.get("sees") in ("centre", "band"):  # the recipe's mask (xray.RECIPES)
            x = black_out(x, band, "band" if metadata["sees"] == "centre" else "centre")
        probabilities = views.predict(model, x, test_views)[0]  # as the recipe predicts
        best = int(probabilities.argmax())
        listing = ", ".join(f"{name} {p:.3f}" for name, p in zip(names, probabilities))
        print(f"{path}: {names[best]} ({listing})")
    if failed:
        print(f"minicnn: {failed} of {len(paths)} images could not be read", file=sys.stderr)
    return 1 if failed else 0


def find_duplicates(args):
    from minicnn.preprocessing.duplicates import copies_between, find_duplicates as find
    threshold = args.threshold if args.threshold is not None else 0.99 if args.other is None else 0.95
    if not 0 < threshold <= 1:
        raise ValueError(f"--threshold must be in (0, 1] (a correlation); got {threshold}")
    found = (find(args.folder, threshold=threshold) if args.other is None
             else copies_between(args.folder, args.other, threshold=threshold))
    print("\n".join(found.report()))
    return 0


def copy_notebooks(args):
    from minicnn import samples
    source = os.path.join(os.path.dirname(samples.FOLDER), "notebooks")
    os.makedirs(args.folder, exist_ok=True)
    copied = []
    for path in sorted(glob.glob(os.path.join(source, "*.ipynb"))):
        target = os.path.join(args.folder, os.path.basename(path))
        if os.path.exists(target):
            print(f"kept {target} (it exists; remove it to get a fresh copy)")
            continue
        shutil.copyfile(path, target)
        copied.append(os.path.basename(path))
    print(f"copied {len(copied)} notebooks to {args.folder}; open them with: jupyter lab "
          f"{args.folder}   ({INSTALL_JUPYTER} for Jupyter)")
    return 0


def write_exercise_notebooks(args):
    from minicnn.apps.exercises import write_exercises
    done = write_exercises(args.folder, solutions=args.solutions, force=args.force)
    for path in done.kept:
        print(f"kept {path}: it exists and may hold your work (--force overwrites it)")
    for path in done.overwritten:
        print(f"overwrote {path} (--force)")
    for path, aside in done.set_aside.items():
        print(f"{path} was not a whole notebook (a write cut short?): moved it to {aside} "
              f"and wrote a fresh one")
    wrote = len(done.written) + len(done.overwritten)
    print(f"wrote {wrote} exercise notebooks{' (with solutions)' if args.solutions else ''} "
          f"to {args.folder}; open them with: jupyter lab {args.folder}   ({INSTALL_JUPYTER} "
          f"for Jupyter)")
    return 0


def export_onnx(args):
    from minicnn import load_model
    from minicnn.apps.export import to_onnx
    model = load_model(args.model)
    to_onnx(model, args.out, opset=args.opset)
    print(f"wrote {args.out} (ONNX opset {args.opset}): input 'input' {('batch',) + model.input_shape}")
    return 0


COMMANDS = {"train": train, "predict": predict, "export": export_onnx, "notebooks": copy_notebooks,
            "exercises": write_exercise_notebooks, "duplicates": find_duplicates}


def load_what_runs(args):
    """Import what the command will use now, with Ctrl-C held back (interrupts.py:
    an import cut in half by Ctrl-C crashed the process at exit)."""
    import importlib
    if args.command == "train":
        importlib.import_module("minicnn.apps.projects.report")  # matplotlib
    if args.command in ("train", "predict"):
        from minicnn import ops
        if ops.get_ops() == "numba":
            importlib.import_module("minicnn.ops.fast")  # numba and llvmlite


def main(argv=None):
    """The command, called from Python: its exit status; a bad argument or file is
    status 2 with the error on stderr. Ctrl-C (KeyboardInterrupt) goes on to the
    caller, so that a program or a test run calling main stops."""
    from minicnn import interrupts
    try:
        with interrupts.held():
            args = build_parser().parse_args(argv)
            load_what_runs(args)
        status = COMMANDS[args.command](args)
    except (ValueError, OSError, FloatingPointError, ImportError) as error:
        print(f"minicnn: error: {error}", file=sys.stderr)
        return 2
    return status or 0


def run():
    """The ``minicnn`` program (and python -m minicnn): main, and Ctrl-C as status 130."""
    try:
        return main()
    except KeyboardInterrupt:
        print("minicnn: interrupted", file=sys.stderr)
        return 130
