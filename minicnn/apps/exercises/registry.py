"""What the exercises have put in minicnn's place: one record of it, and minicnn's
own functions to put back.

Every replacement the exercises make (exercises.use, and the last notebook's run
of minicnn's Adam in the paper's form) goes through ``begin``/``replace``/
``plug_ops`` and is written down here. ``end`` puts back minicnn's *own* functions,
the ones this module saw when it was imported, never "whatever was there before":
so use(), undo(), the end of a ``with`` block and ``minicnn.set_ops`` leave minicnn
as it was, in whatever order they come. While anything is in place, set_ops is
replaced too (ops.plug documents set_ops as the undo of a plug): it selects the ops
and puts everything else back.

The checks ask ``refusal()`` before they run: they compare with minicnn's own code,
so they refuse while anything of the exercises is in place, or when one of the
functions they compare with is not minicnn's own any more (a student's monkeypatch).
"""
import minicnn
from minicnn import activations, ops
from minicnn.layers import Dense, Dropout
from minicnn.losses import SoftmaxCrossEntropy
from minicnn.ops import reference
from minicnn.optimizers import SGD, Adam, Optimizer
from minicnn.sequential import Sequential
from minicnn.tape import recording

# Every place the exercises may put a function of their own: (owner, attribute).
REPLACEABLE = [(activations, "forward"), (activations, "backward"), (Dense, "forward"),
               (Dense, "backward_from_pre_activation"), (Dropout, "forward"),
               (Dropout, "backward"), (SoftmaxCrossEntropy, "forward"),
               (SoftmaxCrossEntropy, "backward"), (SGD, "update"), (Adam, "update"),
               (Sequential, "train_step"), (recording, "backward_pass"), (ops, "set_ops"),
               (minicnn, "set_ops")]
# What the checks compute their answers with, beyond those.
ORACLES = REPLACEABLE + [(reference, name) for name in (
    "im2col", "col2im", "conv2d_forward", "conv2d_backward", "maxpool2d_forward",
    "maxpool2d_backward")] + [(activations, name) for name in (
        "relu_backward", "softmax", "log_softmax")] + [(Optimizer, "apply_gradients"),
                                                       (Dense, "backward"), (Sequential, "forward")]
ABSENT = object()
# minicnn's own: what each place held when this module was imported
OWN = {(owner, name): vars(owner).get(name, ABSENT) for owner, name in ORACLES}
OPS_NAME = "exercises"  # the name the exercises' ops are plugged under (ops.get_ops())

_state = {"token": None, "what": None, "replaced": [], "ops_before": None}


def label(owner, name):
    return f"{getattr(owner, '__qualname__', owner.__name__)}.{name}"


def in_use():
    """What the exercises have in place now (e.g. "your conv_forward, adam"), or None."""
    return _state["what"]


def is_current(token):
    """Whether ``token`` (from begin) is what is in place now."""
    return token is not None and token is _state["token"]


def begin(what):
    """Start a replacement, described by ``what``; returns its token (for ``end``).
    One at a time: refused while another is in place."""
    if _state["token"] is not None:
        raise RuntimeError(f"{what}: {_state['what']} in minicnn's place already; undo "
                           f"that first")
    _state.update(token=object(), what=what, replaced=[], ops_before=None)
    replace(ops, "set_ops", set_ops_restoring)
    replace(minicnn, "set_ops", set_ops_restoring)
    return _state["token"]


def replace(owner, name, function):
    """Put ``function`` at ``owner.name`` (a place in REPLACEABLE), recorded."""
    if (owner, name) not in OWN or (owner, name) not in REPLACEABLE:
        raise ValueError(f"registry: {label(owner, name)} is not a place the exercises replace")
    _state["replaced"].append((owner, name))
    setattr(owner, name, function)


def plug_ops(functions):
    """The student's ops ({op name: function}) through minicnn.ops.plug; the ops not
    given are the textbook's, so that fit takes its plain step (textbook mode)."""
    before = ops.get_ops()
    _state["ops_before"] = before if before in ops.RUNGS else "numba"
    ops.plug(OPS_NAME, functions)


def end(token):
    """Put minicnn's own functions back, if ``token`` is what is in place (a use
    already undone, by set_ops or otherwise, changes nothing)."""
    if is_current(token):
        ops_before = _state["ops_before"]
        _restore()
        if ops_before is not None:
            OWN[(ops, "set_ops")](ops_before)


def _restore():
    for owner, name in reversed(_state["replaced"]):
        own = OWN[(owner, name)]
        if own is ABSENT:
            if name in vars(owner):
                delattr(owner, name)
        else:
            setattr(owner, name, own)
    _state.update(token=None, what=None, replaced=[], ops_before=None)


def set_ops_restoring(name):
    """minicnn.set_ops while functions of the exercises are in place: select the ops
    ``name`` (minicnn's own set_ops), then put back every other function of minicnn's."""
    OWN[(ops, "set_ops")](name)  # first: a name it refuses changes nothing
    _restore()


set_ops_restoring.__name__ = "set_ops"


def refusal(name):
    """Why the check of ``name`` cannot run now (a sentence), or None."""
    if _state["token"] is not None:
        return (f"check({name!r}, ...): {_state['what']} in minicnn's place (exercises.use), "
                f"so minicnn's own code is not there to compare with; check outside the "
                f"`with exercises.use(...)` block (or after .undo())")
    changed = [label(owner, attribute) for owner, attribute in ORACLES
               if vars(owner).get(attribute, ABSENT) is not OWN[(owner, attribute)]]
    if changed:
        return (f"check({name!r}, ...): minicnn's own {', '.join(changed)} "
                f"{'has' if len(changed) == 1 else 'have'} been replaced (not by exercises.use), "
                f"and the checks compare with {'it' if len(changed) == 1 else 'them'}: restart "
                f"the kernel (Kernel > Restart) and run the notebook again")
    return None
