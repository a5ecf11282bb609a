"""Every notebook in notebooks/ runs top to bottom without an error.

Each notebook is executed with nbclient in a kernel started from the Python
that runs the tests (so it sees this checkout's nnplay), with notebooks/ as the
working directory, exactly as a reader would press "Run All". The notebooks
are stored with their outputs cleared; that is checked too, so that the files
in the repository stay small and free of machine-specific output.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

REPOSITORY = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPOSITORY / "notebooks"
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
    try:
        client.execute()
    finally:
        # The client does not stop a kernel whose manager it was given.
        if client.kc is not None:
            client.kc.stop_channels()
        if kernel_manager.has_kernel:
            kernel_manager.shutdown_kernel(now=True)
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


# -- what Binder would do -------------------------------------------------------------

BINDER_SWITCH = "NNPLAY_TEST_BINDER"

RUN_IN_FRESH_ENVIRONMENT = """
import json, pathlib, sys, time
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

notebooks, kernels = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
(kernels / "binder").mkdir(parents=True)
(kernels / "binder" / "kernel.json").write_text(json.dumps({
    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    "display_name": "binder", "language": "python"}))
specs = KernelSpecManager(kernel_dirs=[str(kernels)])
report = {}
for path in sorted(notebooks.glob("*.ipynb")):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import nnplay; nnplay.__file__"))
    started = time.perf_counter()
    manager = KernelManager(kernel_name="binder", kernel_spec_manager=specs)
    try:
        NotebookClient(notebook, km=manager, timeout=600,
                       resources={"metadata": {"path": str(notebooks)}}).execute()
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    report[path.name] = {
        "seconds": round(time.perf_counter() - started, 1),
        "nnplay": notebook.cells[-1].outputs[0]["data"]["text/plain"].strip("'"),
    }
print(json.dumps(report))
"""


def repository_files():
    """Return the files a fresh clone would have: tracked and not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listing.split("\0") if name]


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get(BINDER_SWITCH),
    reason=f"set {BINDER_SWITCH}=1 to build a fresh environment from binder/ "
    "(takes minutes and needs the package index)",
)
def test_notebooks_run_in_a_binder_environment(tmp_path):
    """binder/requirements.txt + binder/postBuild alone are enough to run them all.

    Copies the repository as a clone would have it, makes a new virtual
    environment, installs only binder/requirements.txt, runs binder/postBuild
    from the copy's root as Binder does, and executes every notebook with that
    environment's Python. nnplay must then come from the installed package,
    not from the copy's source folder.
    """
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the repository's files")
    clone = tmp_path / "clone"
    for name in repository_files():
        source = REPOSITORY / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    environment = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
    python = environment / "bin" / "python"
    variables = dict(os.environ, PATH=f"{environment / 'bin'}:{os.environ['PATH']}")
    variables.pop("PYTHONPATH", None)

    subprocess.run(
        [python, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=clone,
        env=variables,
        check=True,
    )
    subprocess.run(["bash", "binder/postBuild"], cwd=clone, env=variables, check=True)
    extensions = subprocess.run(
        [environment / "bin" / "jupyter", "labextension", "list"],
        cwd=tmp_path,
        env=variables,
        capture_output=True,
        text=True,
        check=True,
    )
    result = subprocess.run(
        [python, "-c", RUN_IN_FRESH_ENVIRONMENT, clone / "notebooks", tmp_path],
        cwd=tmp_path,
        env=variables,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    print(json.dumps(report, indent=1))
    assert sorted(report) == [path.name for path in NOTEBOOKS]
    for name, run in report.items():
        assert run["nnplay"].startswith(str(environment)), (name, run["nnplay"])
    listing = extensions.stdout + extensions.stderr
    for extension in ("jupyter-matplotlib", "@jupyter-widgets/jupyterlab-manager"):
        assert extension in listing
