"""The MLP assignment's rubric: three questions, what each is worth item by item, the names each
question binds and the names its probe reads."""

from __future__ import annotations

from autograder.rubric import Question, Rubric

RUBRIC = Rubric(
    (
        Question.define(
            1,
            "initialising the parameters",
            binds={"init_params"},
            reads={"init_params"},
            items=[
                (
                    "shapes",
                    1,
                    "`init_params(key, [784, 128, 10])` gives a (W, b) pair per layer of the right shapes",
                ),
                (
                    "weights",
                    2,
                    "the weights are normal draws from the layer's key, scaled by sqrt(2 / inputs)",
                ),
                ("biases", 1, "the biases start at zero"),
            ],
        ),
        Question.define(
            2,
            "the forward pass",
            binds={"forward"},
            reads={"forward"},
            items=[
                ("output_shape", 1, "`forward(params, x)` gives one row of outputs per row of `x`"),
                (
                    "one_hidden",
                    1,
                    "`forward` computes a network with one hidden layer (ReLU, then a linear output)",
                ),
                ("two_hidden", 1, "`forward` computes a network with two hidden layers"),
            ],
        ),
        Question.define(
            3,
            "a jitted SGD step",
            binds={"loss", "sgd_step"},
            redefines={"sgd_step"},
            reads={"sgd_step"},
            items=[
                (
                    "step",
                    2,
                    "`sgd_step(params, x, y, lr)` gives params - lr * the gradient of the mean squared error",
                ),
                ("descends", 1, "the step lowers the loss on its batch"),
                ("compiled", 1, "`sgd_step` is compiled with `jax.jit`"),
            ],
        ),
    )
)
