"""Learn by building: exercises that check a student's own layers, then train the
real model with them.

Ten exercises, in five notebooks (``minicnn exercises DIR`` writes them):

    part 1  1 convolution with loops   2 im2col + one matrix product   3 backward
    part 2  4 max-pooling              5 ReLU and Dense
    part 3  6 softmax cross-entropy    7 inverted dropout              8 SGD and Adam
    part 4  9 the training step and a training loop; then the lesson's X-ray model
            trained with all of the student's functions
    part 5  10 the tape's backward walk; then the X-ray model trained by a
            GradientTape loop with it

    check("conv_forward", conv_forward)     says what is wrong, in the student's terms
    use(conv_forward=..., ...)              the student's functions in minicnn's place
    answers("part-1-convolution.ipynb")     the functions a saved notebook defines
    trains_like_minicnn(train_step)         the last graded cell: the X-ray model
                                            trained with them all, beside minicnn's
    tape_trains_like_minicnn(backward_walk) part 5's: a tape loop with the student's walk
    own_work("conv_forward", conv_forward)  the grading's hidden test: no minicnn code
    write_exercises(folder, solutions)      the notebooks, for students or teachers

checks/ holds one module per topic (the cases, minicnn's answer, the common
mistakes and their symptoms); verdict.py is how a check speaks, calling.py how
it calls the student's code (and its time limit); plug.py and adapters.py put
that code in the model, registry.py records it and puts minicnn's own back;
training.py and tape_training.py are the last graded cells of parts 4 and 5,
grading.py the hidden tests; release.py writes the notebooks
(exercises/notebooks/, nbgrader's source format); pictures.py draws their
figures, with minicnn's own ops.
"""
from minicnn.apps.exercises.answers import answers
from minicnn.apps.exercises.checks import CHECKS, check
from minicnn.apps.exercises.grading import own_work
from minicnn.apps.exercises.plug import PLUGS, use
from minicnn.apps.exercises.release import write_exercises
from minicnn.apps.exercises.tape_training import tape_trains_like_minicnn
from minicnn.apps.exercises.training import trains_like_minicnn
from minicnn.apps.exercises.verdict import ExerciseFailed

__all__ = ["check", "use", "answers", "trains_like_minicnn", "tape_trains_like_minicnn",
           "own_work", "write_exercises", "ExerciseFailed", "CHECKS", "PLUGS"]
