"""M8: RDMA READ of ODP buffers under the kernel's automatic NUMA balancing
(tests/bench/guest-suite numa, a two-node guest). Used by report.py.

Raw keys: "read numa stock/event-aware" and "read numa stock/stock"
(rodp-bench --policy-alternate: blocks of quiet and churned runs under
each policy, a quiet run with kernel.numa_balancing off, a churned one
with it on) and, in the full suite, "read numa pinned" (the same
switching on pinned MRs: what the balancer costs the machine itself).

Figures, one ratio per block of one process:
- balancing on / off bandwidth, event-aware (target >= 0.95) and stock;
- loss stock / loss event-aware, judged against the A/A control's span;
- NUMA-hint invalidations skipped by event-aware (skip-protection /
  inval-protection-vma of its churned runs, target >= 0.99): a skipped
  hint leaves the device's mappings as they were, so it causes no
  refault; this is the share of hint refaults avoided;
- refault pages per hint (scan slice) under stock and event-aware, and
  the refault pages event-aware avoids in all (context: page migrations
  are CLEAR invalidations, delegated by both policies, and their
  refaults cannot be avoided).
"""
from collections import defaultdict


def _bw(q, ch):
    return ch["bw_average_mb_sec"] / q["bw_average_mb_sec"]


def _c(r, k):
    return (r.get("rodp") or {}).get(k, 0)


def m8(rows, h):
    """h: report.py's helpers (keys, by_cond, policy_blocks, m5_pairs, fig,
    summary, loss, loss_ratio, fmt, LOSS_FLOOR)."""
    figs = []
    blocks, pinned = {}, []
    for key in h.keys(rows, "M8"):
        _, _, pol = key.split()[:3]
        c = h.by_cond(rows, "M8", key)
        if "policy-alternate" in c:
            blocks[pol] = list(h.policy_blocks(c["policy-alternate"]))
        elif "alternate" in c:
            pinned = h.m5_pairs(c)
    ab, aa = blocks.get("stock/event-aware", []), blocks.get("stock/stock", [])
    slots = (("B", "event-aware"), ("A", "stock"))
    counts = {}
    for slot, pol in slots:
        ch = [bl[slot]["churn"] for bl in ab]
        counts[pol] = {k: sum(_c(r, k) for r in ch) for k in (
            "inval-protection-vma", "inval-clear", "inval-migrate",
            "skip-protection", "act-delegated", "fault-pages")}
        counts[pol]["churn_events"] = sum(r.get("churn_events") or 0 for r in ch)
        counts[pol]["quiet_fault_pages"] = sum(_c(bl[slot]["quiet"], "fault-pages") for bl in ab)
        per_hint = [_c(r, "fault-pages") / _c(r, "inval-protection-vma")
                    for r in ch if _c(r, "inval-protection-vma")]
        judged = pol == "event-aware"
        f = h.fig(f"M8 READ under NUMA balancing, {pol}: balancing on / off bandwidth",
                  [_bw(bl[slot]["quiet"], bl[slot]["churn"]) for bl in ab],
                  "event-aware ≥ 0.95" if judged else "(stock, alongside)", ">=", 0.95,
                  "numa", {"id": "M8", "policy": pol, "counters": counts[pol],
                           "refaults_per_hint": h.summary(per_hint)})
        if not judged:
            f["met"] = None
        figs.append(f)
    # Hint refaults avoided: the share of event-aware's hints it skipped.
    skipped = [_c(bl["B"]["churn"], "skip-protection") / _c(bl["B"]["churn"], "inval-protection-vma")
               for bl in ab if _c(bl["B"]["churn"], "inval-protection-vma")]
    figs.append(h.fig("M8 NUMA-hint refaults avoided by event-aware (hints skipped / hints)",
                      skipped, "≥ 99 %", ">=", 0.99, "numa", {"id": "M8"}))
    # All refault pages avoided (context: includes migrations' refaults).
    whole = [1 - _c(bl["B"]["churn"], "fault-pages") / _c(bl["A"]["churn"], "fault-pages")
             for bl in ab if _c(bl["A"]["churn"], "fault-pages")]
    f = h.fig("M8 refault pages avoided by event-aware, all causes (migrations included)",
              whole, "(context: a migrated page must refault)", ">=", 0.99, "numa", {"id": "M8"})
    f["met"] = None
    figs.append(f)
    # Loss stock / loss event-aware against the A/A control.
    lr = [h.loss_ratio(h.loss(bl["A"]["quiet"], bl["A"]["churn"]),
                       h.loss(bl["B"]["quiet"], bl["B"]["churn"])) for bl in ab]
    lc = [h.loss_ratio(h.loss(bl["A"]["quiet"], bl["A"]["churn"]),
                       h.loss(bl["B"]["quiet"], bl["B"]["churn"])) for bl in aa]
    f = h.fig("M8 READ under NUMA balancing: loss stock / loss event-aware", lr,
              "(context)", ">=", 1, "numa",
              {"id": "M8", "aa": h.summary(lc),
               "note": f"event-aware loss floored at {h.LOSS_FLOOR:g}"})
    f["met"] = None
    s, a = f["figure"], f["aa"]
    if s is None or a is None:
        f["resolved"], f["why"] = False, "no blocks" if s is None else "no A/A control"
    elif a["min"] <= s["median"] <= a["max"]:
        f["resolved"] = False
        f["why"] = (f"the A/A control's ratios span {h.fmt(a['min'])} – {h.fmt(a['max'])}, "
                    f"which covers the median {h.fmt(s['median'])}")
    else:
        f["resolved"] = True
        f["why"] = f"outside the A/A control's span {h.fmt(a['min'])} – {h.fmt(a['max'])}"
    f["target_text"] = ("(context) resolved: " if f["resolved"] else "(context) **not resolved**: ") + f["why"]
    figs.append(f)
    if pinned:
        pr = [_bw(q, ch) for q, ch in pinned]
        f = h.fig("M8 READ under NUMA balancing, pinned MRs (control): on / off bandwidth",
                  pr, "(control: the balancer's own cost)",
                  ">=", 0.95, "numa", {"id": "M8", "policy": "pinned"})
        f["met"] = None
        figs.append(f)
        # What ODP under event-aware loses beyond the balancer's own cost
        # (separate processes: a diagnostic, as M5's).
        ea = [_bw(bl["B"]["quiet"], bl["B"]["churn"]) for bl in ab]
        n = min(len(ea), len(pr))
        if n:
            f = h.fig("M8 READ under NUMA balancing: event-aware / pinned control (on / off each)",
                      [a / b for a, b in zip(ea[:n], pr[:n])],
                      "(diagnostic: 1 = ODP loses nothing beyond the balancer's own cost)",
                      ">=", 0.95, "numa", {"id": "M8"})
            f["met"] = None
            figs.append(f)
    return figs


def findings(figs, fmt):
    out = []
    for f in figs:
        if f.get("id") != "M8" or "counters" not in f:
            continue
        c, s = f["counters"], f["figure"]
        rph = f.get("refaults_per_hint")
        out.append(
            f"M8 {f['policy']}: balancing on / off "
            + (f"{fmt(s['median'])} (blocks {fmt(s['min'])} – {fmt(s['max'])})" if s else "no data")
            + f"; in its {s['pairs'] if s else 0} measured churned runs the balancer marked "
            f"{c['churn_events']} PTEs (machine-wide), the process saw "
            f"{c['inval-protection-vma']} PROTECTION_VMA invalidations ({c['skip-protection']} "
            f"skipped), {c['inval-clear']} CLEAR and {c['inval-migrate']} MIGRATE, "
            f"{c['act-delegated']} delegated, {c['fault-pages']} pages refaulted "
            f"(refault pages per hint, i.e. per scan that hit one region: {fmt(rph['median']) if rph else '—'}); its quiet runs "
            f"(balancing off) refaulted {c['quiet_fault_pages']} pages.")
    for f in figs:
        if f.get("id") == "M8" and "resolved" in f:
            s, a = f["figure"], f["aa"]
            if s is None:
                out.append(f"M8 loss stock / event-aware not resolved: {f['why']}.")
            else:
                out.append(f"M8 loss stock / event-aware {fmt(s['median'])} "
                           f"({s['pairs']} blocks); "
                           + ("resolved" if f["resolved"] else "**not resolved**")
                           + f": {f['why']}.")
    return out


def plot(pdir, figs, gnuplot):
    """Bars: on / off bandwidth per MR kind, median with min-max."""
    import os
    bars = [f for f in figs if f.get("id") == "M8" and "policy" in f and f["figure"]]
    if not bars:
        return None
    dat = os.path.join(pdir, "m8.dat")
    cols = {"stock": "#d95f02", "event-aware": "#1b9e77", "pinned": "#7570b3"}
    with open(dat, "w") as d:
        d.write("# i label median min max\n")
        for i, f in enumerate(bars):
            s = f["figure"]
            d.write(f"{i} \"{f['policy']}\" {s['median']:.4f} {s['min']:.4f} {s['max']:.4f}\n")
    top = min(2.0, round(max([1.2] + [f["figure"]["max"] for f in bars]) + 0.15, 1))
    series = ", ".join(
        f"'{dat}' every ::{i}::{i} using 1:3:xtic(2) with boxes lc rgb '{cols.get(f['policy'], '#888888')}' "
        f"title '{f['policy']}'" for i, f in enumerate(bars))
    gnuplot("set style fill solid 0.85 border -1\nset boxwidth 0.6\n"
            f"set yrange [0:{top}]\nset xrange [-0.6:{len(bars) - 0.4}]\nset ytics 0.1\nset grid y\n"
            "set ylabel 'balancing on / off bandwidth' font ',12'\nset key outside top center horizontal\n"
            "set title \"M8: RDMA READ of ODP buffers under NUMA balancing (two-node guest)\\n"
            "bar: median of the blocks, whisker: min - max\" font ',12'\n"
            "plot " + series + f", '{dat}' using 1:3:4:5 with yerrorbars lc rgb '#000000' lw 1.5 "
            "notitle, 0.95 with lines dt 2 lw 1.5 lc rgb '#444444' title 'target 0.95 (event-aware)'\n",
            os.path.join(pdir, "m8"))
    return ("M8 (two NUMA nodes)", "plots/m8")
