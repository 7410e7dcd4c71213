"""Notebook 03 runs through papermill on another photo and writes its report where it is told.

papermill picks the kernel named in the notebook's metadata, ``python3``. jupyter_client resolves
a kernelspec whose command is ``python`` to ``sys.executable``, so when pytest runs from the
project's virtual environment the notebook runs in that same environment.
"""

from pathlib import Path

import numpy as np
import papermill
from PIL import Image

import helpers

ROOT = Path(helpers.__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_image_compression.ipynb"


def test_notebook_03_runs_with_papermill_on_another_photo(tmp_path):
    out_dir = tmp_path / "report"
    executed = tmp_path / "executed.ipynb"
    photo = ROOT / "data" / "rocket.jpg"
    nb = papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        parameters={"image_source": str(photo), "output_dir": str(out_dir)},
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
        request_save_on_cell_execute=False,
    )
    assert executed.is_file()
    assert nb.metadata.papermill.parameters["image_source"] == str(photo)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "rocket.jpg" in injected[0].source
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "photo: 427 x 640 pixels" in text  # the notebook really used the rocket

    ranks = [5, 10, 20, 50, 100]
    names = (["svd_original.png"] + [f"svd_k{r}.png" for r in ranks]
             + ["svd_sigma_decay.png", "svd_sigma_top50.csv", "svd_U_first10_cols.csv",
                "svd_Vt_first10_rows.csv", "svd_rank1_component.png", "svd_quality.csv"])
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(names)
    assert all((out_dir / name).stat().st_size > 0 for name in names)
    original = np.asarray(Image.open(out_dir / "svd_original.png"))
    assert original.shape == (427, 640)
    U = np.loadtxt(out_dir / "svd_U_first10_cols.csv", delimiter=",")
    assert U.shape == (427, 10)
