"""Test data and measuring tools of the benchmarks: the 1.6 GB matrix on disk and its exact
reference, a row reader without a memory map, peak-memory readings, matrices of known spectrum.

Pure NumPy (no TensorFlow); tested in tests/test_bench_scaling.py.

The matrix on disk, ``build/bench/scaling_400000x1000.npy``: a planted rank-20 part (a fixed
orthonormal 1000 x 20 basis, Gaussian coefficients scaled by 10·0.9ⁱ) plus Gaussian noise
(σ = 0.5), written block by block so the whole matrix is never in memory, together with its Gram
matrix AᵀA accumulated in float64 (the exact reference). The file is kept and reused when its
size, header and first block's SHA-256 match (``make clean`` removes it).
"""

import hashlib
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

from ._timing import BUILD, ROOT

STREAM_SHAPE = (400_000, 1_000)
GEN_ROWS = 8192  # rows generated (and Gram-accumulated) at a time
PLANTED_RANK = 20
PLANTED_SCALE = 10.0 * 0.9 ** np.arange(PLANTED_RANK)
NOISE = 0.5
GEN_SEED = 2026


def proc_status_kib(field, text=None):
    """A ``VmRSS`` / ``VmHWM`` ... line of /proc/self/status, in KiB (None if absent)."""
    if text is None:
        try:
            text = Path("/proc/self/status").read_text()
        except OSError:
            return None
    match = re.search(rf"^{re.escape(field)}:\s*(\d+)\s*kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs); True if it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    hwm, rss = proc_status_kib("VmHWM"), proc_status_kib("VmRSS")
    return hwm is not None and rss is not None and hwm <= rss + 1024


def max_rss_kib():
    """The process's peak RSS from getrusage, in KiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


class NpyRows:
    """Rows of a 2-D C-order .npy file, read with ``file.readinto``: no memory map.

    ``rows[i:j]`` returns a fresh (j - i, n) array read at the right offset after the header,
    so the resident memory of the process counts only the blocks its caller keeps. ``rows_read``
    counts the rows served (passes over the data = rows_read / m). ``max_rows`` exposes only the
    first rows (a small view for a warm-up).
    """

    def __init__(self, path, max_rows=None):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran_order, dtype = read_header(f)
            self.offset = f.tell()
        if len(shape) != 2 or fortran_order:
            raise ValueError(f"{path}: need a 2-D C-order array; got shape {shape}, "
                             f"fortran_order={fortran_order}")
        m = shape[0] if max_rows is None else min(int(max_rows), shape[0])
        self.shape = (m, shape[1])
        self.dtype = np.dtype(dtype)
        self.ndim = 2
        self.rows_read = 0

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, tuple):  # A[i:j, :] too
            key, *rest = key
            if any(k != slice(None) for k in rest):
                raise IndexError("NpyRows reads whole rows: A[i:j] or A[i:j, :]")
        if not isinstance(key, slice):
            raise IndexError(f"NpyRows takes a slice of rows; got {key!r}")
        start, stop, step = key.indices(self.shape[0])
        if step != 1:
            raise IndexError("NpyRows reads contiguous rows (step 1)")
        stop = max(start, stop)
        out = np.empty((stop - start, self.shape[1]), dtype=self.dtype)
        if out.size == 0:
            return out
        buf = memoryview(out.reshape(-1)).cast("B")
        with open(self.path, "rb", buffering=0) as f:
            f.seek(self.offset + start * self.shape[1] * self.dtype.itemsize)
            done = 0
            while done < len(buf):
                got = f.readinto(buf[done:])
                if not got:
                    raise OSError(f"{self.path}: file ends before row {stop}")
                done += got
        self.rows_read += stop - start
        return out


def _planted_basis(n):
    rng = np.random.default_rng([GEN_SEED, 2**32])
    return np.linalg.qr(rng.standard_normal((n, PLANTED_RANK)))[0].astype(np.float32)


def generate_block(index, rows, n, basis):
    """Rows [index·GEN_ROWS, index·GEN_ROWS + rows) of the test matrix: planted part + noise."""
    rng = np.random.default_rng([GEN_SEED, index])
    coeffs = rng.standard_normal((rows, PLANTED_RANK), dtype=np.float32)
    coeffs *= PLANTED_SCALE.astype(np.float32)
    noise = rng.standard_normal((rows, n), dtype=np.float32)
    noise *= np.float32(NOISE)
    noise += coeffs @ basis.T
    return noise


def _first_block_digest(block):
    return hashlib.sha256(np.ascontiguousarray(block).tobytes()).hexdigest()


def stream_matrix(log=print):
    """The .npy test matrix and its Gram sidecar, reused if valid, else written block by block.

    Returns (path, gram_path, seconds spent writing or 0.0 when reused).
    """
    m, n = STREAM_SHAPE
    path = BUILD / f"scaling_{m}x{n}.npy"
    gram_path = path.with_suffix(".gram.npz")
    basis = _planted_basis(n)
    first = generate_block(0, min(GEN_ROWS, m), n, basis)
    digest = _first_block_digest(first)
    if path.exists() and gram_path.exists():
        try:
            rows = NpyRows(path)
            size_ok = path.stat().st_size == rows.offset + m * n * 4
            with np.load(gram_path) as side:
                side_ok = str(side["digest"]) == digest
            if (rows.shape == (m, n) and rows.dtype == np.float32 and size_ok and side_ok
                    and _first_block_digest(rows[:len(first)]) == digest):
                return path, gram_path, 0.0
        except (OSError, ValueError, KeyError):
            pass
    log(f"  writing {path.relative_to(ROOT)} ({m * n * 4 / 1e9:.1f} GB) ...")
    BUILD.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    gram = np.zeros((n, n))
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
              "fortran_order": False, "shape": (m, n)}
    with open(tmp, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for index, row0 in enumerate(range(0, m, GEN_ROWS)):
            block = first if index == 0 else generate_block(index, min(GEN_ROWS, m - row0), n,
                                                            basis)
            f.write(block.tobytes())
            b64 = block.astype(np.float64)
            gram += b64.T @ b64  # NumPy uses syrk for a.T @ a
    np.savez(gram_path, gram=gram, digest=np.array(digest))
    tmp.replace(path)
    return path, gram_path, time.perf_counter() - start


def exact_reference(gram_path, rank):
    """(top singular values, ‖A‖_F², optimal rank-``rank`` Frobenius error) from AᵀA."""
    with np.load(gram_path) as side:
        gram = side["gram"]
    eig = np.linalg.eigvalsh(gram)[::-1]
    fro2 = float(np.trace(gram))
    return np.sqrt(np.maximum(eig[:rank], 0)), fro2, float(np.sqrt(fro2 - eig[:rank].sum()))


def frobenius_error(reader, s, U, V, block_rows=GEN_ROWS):
    """‖A − U diag(s) Vᵀ‖_F over the rows of ``reader``, in float64, one pass."""
    total = 0.0
    SVt = (np.asarray(s, np.float64)[:, None] * np.asarray(V, np.float64).T)
    U = np.asarray(U)
    for i in range(0, reader.shape[0], block_rows):
        j = min(i + block_rows, reader.shape[0])
        R = reader[i:j].astype(np.float64)
        R -= U[i:j].astype(np.float64) @ SVt
        total += float(np.einsum("ij,ij->", R, R))
    return float(np.sqrt(total))


def decaying_matrix(n, seed=0, reflections=3):
    """n x n float32 ``H₁ diag(1/(i+1)) H₂`` (H: products of Householder reflections), and σ."""
    rng = np.random.default_rng([seed, n])
    sigma = 1.0 / np.arange(1, n + 1)
    M = np.diag(sigma)
    for side in (0, 1):
        for _ in range(reflections):
            w = rng.standard_normal(n)
            w /= np.linalg.norm(w)
            if side == 0:
                M -= 2.0 * np.outer(w, w @ M)
            else:
                M -= 2.0 * np.outer(M @ w, w)
    return M.astype(np.float32), sigma
