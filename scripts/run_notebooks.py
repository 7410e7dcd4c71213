"""Execute notebooks top to bottom under the settings nbval uses, and store their outputs.

    python -m scripts.run_notebooks --in-place [notebooks/03_image_compression.ipynb ...]
    python -m scripts.run_notebooks --out-dir build/executed

Settings shared with nbval: the kernel of the current environment, the notebook's own folder as
working directory, the TF environment variables (``helpers._env.KERNEL_ENV``, the one module that
sets them).
The kernel talks to us over IPC sockets in a private temporary folder, not over TCP on localhost:
nothing else on the machine can connect to it, and ipykernel has no reason to print its warning
about unencrypted TCP. ``book.py`` and ``benchmarks/bench_notebooks.py`` execute notebooks this way.
What is written is kept free of volatile fields, so that running twice changes nothing:
no timing metadata, no widget state or widget model ids, stream outputs merged as nbval
merges them, canonical JSON.
"""

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager
from nbval.plugin import coalesce_streams

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
VOLATILE_MIME = ("application/vnd.jupyter.widget-view+json",)


def notebook_paths(args_paths=()):
    """The notebooks to run: the given ones, or every ``notebooks/NN_*.ipynb`` in order."""
    if args_paths:
        return [Path(p).resolve() for p in args_paths]
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def clean(nb):
    """Drop volatile fields so that re-executing an unchanged notebook rewrites identical bytes."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None:
                for key in VOLATILE_MIME:
                    data.pop(key, None)
                if not data:
                    continue
            kept.append(out)
        # ipykernel may split one cell's prints into several stream outputs depending on timing;
        # merge them the way nbval does before comparing, so the stored file is stable.
        cell.outputs = coalesce_streams(kept)
    return nb


@contextlib.contextmanager
def kernel_manager():
    """A manager for one kernel of the current environment (as nbval starts it), connected over IPC.

    The sockets and the connection file live in a temporary folder that only this user can open
    (mode 0700) and that is removed afterwards. Over TCP, ipykernel would print "Kernel is running
    over TCP without encryption" for every kernel. Windows has no IPC transport: TCP there.
    """
    from helpers import _env  # imports TensorFlow: only where kernels are started

    _env.apply(_env.KERNEL_ENV)  # the kernel inherits this process's environment
    with tempfile.TemporaryDirectory(prefix="svd-kernel-") as tmp:
        ipc = {} if os.name == "nt" else {
            "transport": "ipc",
            "ip": os.path.join(tmp, "kernel"),  # sockets kernel-1 ... kernel-5
            "connection_file": os.path.join(tmp, "kernel.json"),
        }
        yield KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                            kernel_spec_manager=NbvalKernelspecManager(), **ipc)


def execute(path, out_path, timeout=600):
    """Execute the notebook at ``path`` from a clean slate and write it to ``out_path``."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    with kernel_manager() as km:
        client = NotebookClient(
            nb,
            km=km,
            timeout=timeout,
            record_timing=False,
            store_widget_state=False,
            resources={"metadata": {"path": str(Path(path).parent)}},
        )
        # nbclient keeps a kernel it did not create alive unless told: shut it down here.
        client.execute(cleanup_kc=True)
    nbformat.validate(nb)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(clean(nb), out_path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--in-place", action="store_true", help="overwrite the notebooks")
    group.add_argument("--out-dir", type=Path, help="write executed copies here")
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all)")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.notebooks)
    if not paths:
        parser.error("no notebooks found")
    for path in paths:
        out = path if args.in_place else args.out_dir / path.name
        start = time.perf_counter()
        execute(path, out)
        print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
