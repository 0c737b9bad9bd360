"""L1 (issue 17) over several processes: librodp's cost against raw verbs
from tests/bench/libcost, run several times per condition by
tests/bench/guest-suite (raw lines with a "proc" field). Used by report.py.

Why processes: under TCG one process's quads agree within about 1 % on
its typical call, but the next process (its libraries, heap and stack
placed elsewhere by ASLR) can land several percent away (a 4 KiB
registration with rodp.ko absent: 1.030 - 1.067 over 24 processes in
the run of 2026-12-01, 0.977 - 1.128 in that of 2026-12-02). A
process is then the unit of the sample: the figure is the median over
processes of each process's median quad ratio, and its confidence
interval is the distribution-free one of that median, over processes.

Two ratios per process, both from libcost: "typical" (each block's
median call time: a stall of the emulated machine that hits a few calls
of one block leaves it alone) and "ratio" (the blocks' total times,
every cycle spent). The target is judged on the typical call; the total
times are shown beside it. The A/A control is aggregated the same way.
"""
import math
import statistics


def median_ci(values):
    """Median of values, with the distribution-free interval of the
    median: the k-th smallest and k-th largest, k the largest rank with
    P(Binomial(n, 1/2) <= k - 1) <= 2.5 % (as libcost's median_ci_rank);
    k = 1 (min - max) when n is too small for 95 %. Returns (median, lo,
    hi, level)."""
    v = sorted(values)
    n = len(v)
    k, level = 1, 1 - 2 * 0.5 ** n
    tail = 0.0
    for i in range(n // 2):
        tail += math.comb(n, i) * 0.5 ** n
        if tail > 0.025:
            break
        k, level = i + 1, 1 - 2 * tail
    return statistics.median(v), v[k - 1], v[n - k], level


def _spread(values):
    med, lo, hi, level = median_ci(values)
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {"median": med, "ci_lo": lo, "ci_hi": hi, "ci_level": level,
            "p25": q[0], "p75": q[2], "min": min(values), "max": max(values)}


def aggregate(lines):
    """lines: libcost's objects for one condition, metric and size, one
    per process (each with "typical"). Returns (figure, totals, control,
    a_us, b_us, procs, quads): the typical-call ratio over processes, the
    total-time ratio and the typical-call A/A control the same way, the
    median typical call times in µs, the number of processes and of quads
    in each."""
    typ = [d["typical"]["median"] for d in lines]
    tot = [d["ratio"]["median"] for d in lines]
    ctl = [d["typical_control"]["median"] for d in lines]
    return (_spread(typ), _spread(tot), _spread(ctl),
            statistics.median(d["a_typ_us"] for d in lines),
            statistics.median(d["b_typ_us"] for d in lines),
            len(lines), min(d["quads"] for d in lines))
