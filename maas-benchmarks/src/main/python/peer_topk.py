#!/usr/bin/env python3
"""Native peer of TopKBenchmark: numpy (with its BLAS, e.g. OpenBLAS) on one thread.

Times, on the shapes TopKBenchmark uses (items x dims float32 item matrix with a bias, top 10):

  matvec  bare matrix-vector product E @ q (batch 1 only): no bias, no selection. The floor any
          single-query scan that reads the matrix once is measured against.
  gemm    bare Q @ E.T for a batch (batch > 1 only), items in chunks of 65,536 so that the score
          matrix stays small (a 256 x 1M float32 matrix would be 1 GiB).
  topk    the whole query: scores = E @ q + b (batch 1) or Q @ E.T + b per chunk (batch > 1),
          then argpartition for the top k and a sort of those k (per chunk, merged at the end).

BLAS is pinned to one thread (OPENBLAS_NUM_THREADS=1 and friends are set before numpy loads), to
compare with maas's kernels on one thread. Not part of the Maven build.

Usage:
  python3 peer_topk.py [--items 100000,1000000] [--dims 64] [--batch 1,256] [--k 10]
                       [--seconds 3] [--quick] [--out peer-topk.json]

--quick measures each case for 0.5 s instead of --seconds.

Output (JSON, one object):
  {"peer": "numpy", "numpy": "<version>", "blas": "<library>", "threads": 1,
   "machine": {"cpu": "...", "cores": N, "python": "..."}, "date": "<ISO-8601 UTC>",
   "results": [{"case": "matvec|gemm|topk", "items": N, "dims": D, "batch": B, "k": K,
                "calls": C, "p50_us": ..., "p90_us": ..., "min_us": ..., "mean_us": ...}]}
Times are per call (a call answers `batch` queries), in microseconds.
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

CHUNK = 65536


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        return cfg["Build Dependencies"]["blas"]["name"]
    except Exception:  # older numpy
        return "unknown"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def low_rank(rng, count, topics):
    """Mixtures of shared taste directions plus noise, with log-normal lengths (as in TopKBenchmark)."""
    rank, dims = topics.shape
    w = rng.standard_normal((count, rank))
    v = w @ topics + 0.3 * rng.standard_normal((count, dims))
    norm = np.exp(0.3 * rng.standard_normal((count, 1))) / np.sqrt(rank)
    return (norm * v).astype(np.float32)


def topk_single(e, b, q, k):
    s = e @ q
    s += b
    idx = np.argpartition(-s, k - 1)[:k]
    return idx[np.argsort(-s[idx], kind="stable")]


def topk_batch(e, b, qs, k):
    best_s = None
    best_i = None
    for start in range(0, e.shape[0], CHUNK):
        s = qs @ e[start:start + CHUNK].T
        s += b[start:start + CHUNK]
        kk = min(k, s.shape[1])
        idx = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        sc = np.take_along_axis(s, idx, axis=1)
        idx = idx + start
        if best_s is None:
            best_s, best_i = sc, idx
        else:
            cs = np.concatenate([best_s, sc], axis=1)
            ci = np.concatenate([best_i, idx], axis=1)
            sel = np.argpartition(-cs, k - 1, axis=1)[:, :k]
            best_s = np.take_along_axis(cs, sel, axis=1)
            best_i = np.take_along_axis(ci, sel, axis=1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    return np.take_along_axis(best_i, order, axis=1)


def gemm_batch(e, qs):
    last = None
    for start in range(0, e.shape[0], CHUNK):
        last = qs @ e[start:start + CHUNK].T
    return last


def measure(fn, inputs, seconds):
    for i in range(3):  # warm-up
        fn(inputs[i % len(inputs)])
    times = []
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter_ns()
        fn(inputs[i % len(inputs)])
        times.append((time.perf_counter_ns() - t0) / 1000.0)
        i += 1
    a = np.array(times)
    return {
        "calls": len(times),
        "p50_us": float(np.percentile(a, 50)),
        "p90_us": float(np.percentile(a, 90)),
        "min_us": float(a.min()),
        "mean_us": float(a.mean()),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--items", default="100000,1000000")
    p.add_argument("--dims", type=int, default=64)
    p.add_argument("--batch", default="1,256")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seconds", type=float, default=3.0, help="measured time per case")
    p.add_argument("--quick", action="store_true", help="0.5 s per case")
    p.add_argument("--out", default="peer-topk.json")
    a = p.parse_args()
    if a.quick:
        a.seconds = 0.5
    rng = np.random.default_rng(42)
    topics = rng.standard_normal((16, a.dims))
    results = []
    for n in [int(x) for x in a.items.split(",")]:
        e = low_rank(rng, n, topics)
        b = (0.5 * rng.standard_normal(n)).astype(np.float32)
        for batch in [int(x) for x in a.batch.split(",")]:
            queries = [low_rank(rng, batch, topics) for _ in range(8)]
            if batch == 1:
                qs = [q[0] for q in queries]
                cases = [("matvec", lambda q: e @ q), ("topk", lambda q: topk_single(e, b, q, a.k))]
            else:
                qs = queries
                cases = [("gemm", lambda q: gemm_batch(e, q)), ("topk", lambda q: topk_batch(e, b, q, a.k))]
            for name, fn in cases:
                r = {"case": name, "items": n, "dims": a.dims, "batch": batch, "k": a.k}
                r.update(measure(fn, qs, a.seconds))
                results.append(r)
                print(f"{name:7s} items={n:8d} dims={a.dims} batch={batch:4d}: "
                      f"p50 {r['p50_us']:10.1f} us  min {r['min_us']:10.1f} us  ({r['calls']} calls)",
                      flush=True)
        del e
    out = {
        "peer": "numpy",
        "numpy": np.__version__,
        "blas": blas_name(),
        "threads": 1,
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "results": results,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
