#!/usr/bin/env bash
# One-time (and idempotent) set-up: a virtual environment with the project, its tests,
# and a `python3` Jupyter kernel that runs inside that environment.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Submissions run in this kernel whatever kernelspec their metadata names.
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (TDM autograder)" >/dev/null
# As root, student kernels run as unprivileged users of their own (see the README's threat
# model): they must be able to start this Python, and must not read the grader's files.
if [ "$(id -u)" = 0 ]; then
    .venv/bin/python -m autograder.sandbox --prepare || echo "sandbox not prepared: kernels will run as root"
fi
.venv/bin/python -c "import jax, otter; print(f'ready: jax {jax.__version__}, otter-grader {otter.__version__}')"
