"""Learn by building: exercises that check a student's own layers, then train the
real model with them.

Nine exercises, in four notebooks (``minicnn exercises DIR`` writes them):

    part 1  1 convolution with loops   2 im2col + one matrix product   3 backward
    part 2  4 max-pooling              5 ReLU and Dense
    part 3  6 softmax cross-entropy    7 inverted dropout              8 SGD and Adam
    part 4  9 the training step and a training loop; then the lesson's X-ray model
            trained with all of the student's functions

    check("conv_forward", conv_forward)     says what is wrong, in the student's terms
    use(conv_forward=..., ...)              the student's functions in minicnn's place
    answers("part-1-convolution.ipynb")     the functions a saved notebook defines
    write_exercises(folder, solutions)      the notebooks, for students or teachers

checks/ holds one module per topic (the cases, minicnn's answer, the common
mistakes and their symptoms); verdict.py is how a check speaks, calling.py how
it calls the student's code; plug.py and adapters.py put that code in the model;
release.py writes the notebooks (exercises/notebooks/, nbgrader's source format);
pictures.py draws their figures, with minicnn's own ops.
"""
from minicnn.apps.exercises.answers import answers
from minicnn.apps.exercises.checks import CHECKS, check
from minicnn.apps.exercises.plug import PLUGS, use
from minicnn.apps.exercises.release import write_exercises
from minicnn.apps.exercises.verdict import ExerciseFailed

__all__ = ["check", "use", "answers", "write_exercises", "ExerciseFailed", "CHECKS", "PLUGS"]
