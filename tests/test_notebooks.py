"""Every notebook in notebooks/ runs top to bottom without an error.

Each notebook is executed with nbclient in a kernel started from the Python
that runs the tests (so it sees this checkout's nnplay), with notebooks/ as the
working directory, exactly as a reader would press "Run All". The notebooks
are stored with their outputs cleared; that is checked too, so that the files
in the repository stay small and free of machine-specific output.
"""

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "nnplay-test"
CELL_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def kernel_spec_manager(tmp_path_factory):
    """A kernel spec that starts ipykernel with the Python running the tests.

    A private spec directory keeps kernels installed elsewhere on the machine
    (for example a user-wide "python3" pointing at another interpreter) from
    being picked up.
    """
    directory = tmp_path_factory.mktemp("kernels")
    spec_dir = directory / KERNEL_NAME
    spec_dir.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "nnplay tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))

    return KernelSpecManager(kernel_dirs=[str(directory)])


def execute_notebook(path, kernel_spec_manager):
    """Run every cell of the notebook at ``path``; return the executed notebook."""
    notebook = nbformat.read(path, as_version=4)
    kernel_manager = KernelManager(
        kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_spec_manager
    )
    client = NotebookClient(
        notebook,
        km=kernel_manager,
        timeout=CELL_TIMEOUT_SECONDS,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()
    return notebook


def error_outputs(notebook):
    """Return the error outputs of all cells (a raised error stops nbclient first)."""
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


def test_the_notebooks_are_there():
    names = [path.name for path in NOTEBOOKS]

    for expected in (
        "01_leaky_relu.ipynb",
        "02_layer_arrays.ipynb",
        "03_feature_maps.ipynb",
        "04_training_scales.ipynb",
        "05_gpu.ipynb",
    ):
        assert expected in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)

    with_outputs = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]

    assert with_outputs == [], f"{path.name}: cells {with_outputs} keep outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, kernel_spec_manager, record_property):
    started = time.perf_counter()

    executed = execute_notebook(path, kernel_spec_manager)

    record_property("seconds", round(time.perf_counter() - started, 1))
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    assert all(cell.execution_count for cell in code_cells)
    assert error_outputs(executed) == []
