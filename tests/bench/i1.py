"""I1 (issue 20): an implicit ODP MR against an explicit ODP MR of the
working set and against pinning it, from tests/bench/implicitcost (loopback
part of tests/bench/guest-suite). Used by report.py.

Raw: metric "I1", one line per size and round, each round a fresh
never-written mapping per variant, the variants in a rotating order:
pinned registration (which faults in and pins every page), explicit ODP
registration and first touch (a synchronous ibv_advise_mr PREFETCH_WRITE
of every page, the driver's fault path), the same again (odp2: the A/A
control), implicit registration and first touch through it. A line with
cond "skipped" says why it was not measured (the distribution's rdma_rxe).

Figures per size, one ratio per round: implicit / explicit registration,
pinned / implicit registration, implicit / explicit first touch, and
implicit registration + first touch / pinned registration (the whole
working set made reachable either way). No target (issue 20 asks for the
figures): each is judged only against the A/A control, the same ratio of
explicit ODP to itself in the same rounds, whose min - max span is the
noise floor; a median inside it is "not resolved".
"""
import os
import statistics

PAGE = 4096

# (name, what, numerator, denominator, A/A numerator, A/A denominator):
# each side is a sum of implicitcost's fields.
RATIOS = [
    ("reg", "registration: implicit / explicit ODP time",
     ["implicit_reg_s"], ["odp_reg_s"], ["odp2_reg_s"], ["odp_reg_s"]),
    ("pin", "registration: pinned / implicit ODP time",
     ["pinned_reg_s"], ["implicit_reg_s"], ["odp2_reg_s"], ["odp_reg_s"]),
    ("touch", "first touch of every page: implicit / explicit ODP time",
     ["implicit_touch_s"], ["odp_touch_s"], ["odp2_touch_s"], ["odp_touch_s"]),
    ("whole", "registration + first touch, implicit ODP / pinned registration time",
     ["implicit_reg_s", "implicit_touch_s"], ["pinned_reg_s"],
     ["odp2_reg_s", "odp2_touch_s"], ["odp_reg_s", "odp_touch_s"]),
]


def _label(n):
    return f"{n >> 30} GiB" if n >= 1 << 30 else f"{n >> 20} MiB" if n >= 1 << 20 \
        else f"{n >> 10} KiB"


def _sum(d, fields):
    return sum(d[k] for k in fields)


def i1(rows, h):
    """h: report.py (summary, fmt). One figure per size and ratio; a
    single figure without data (and its reason) when nothing was measured,
    so the report and --check show the metric as missing."""
    data = [r["data"] for r in rows if r["metric"] == "I1" and r["cond"] == "rotating"]
    skips = [r["data"]["skip"] for r in rows if r["metric"] == "I1" and r["cond"] == "skipped"]
    if not data:
        why = ("not measured: " + skips[0]) if skips else \
            "not measured: no implicitcost lines in the raw data"
        return [{"metric": "I1 implicit ODP against explicit ODP and pinning", "id": "I1",
                 "host": "loopback", "target": "", "target_text": "(no target)",
                 "figure": None, "met": None, "aa": None, "resolved": False, "why": why}]
    sizes = sorted({d["bytes"] for d in data})
    figs = []
    for size in sizes:
        rounds = [d for d in data if d["bytes"] == size]
        pages = size // PAGE
        times = {k: h.summary([d[k] * 1e3 for d in rounds]) for k in (
            "pinned_reg_s", "odp_reg_s", "odp2_reg_s", "implicit_reg_s")}
        times.update({k: h.summary([d[k] * 1e6 / pages for d in rounds]) for k in (
            "odp_touch_s", "odp2_touch_s", "implicit_touch_s")})
        for name, what, num, den, aan, aad in RATIOS:
            s = h.summary([_sum(d, num) / _sum(d, den) for d in rounds])
            aa = h.summary([_sum(d, aan) / _sum(d, aad) for d in rounds])
            resolved = not (aa["min"] <= s["median"] <= aa["max"])
            span = f"{h.fmt(aa['min'])} – {h.fmt(aa['max'])}"
            figs.append({
                "metric": f"I1 {_label(size)} {what}", "id": "I1", "host": "loopback",
                "ratio": name, "bytes": size, "target": "", "figure": s,
                "target_text": "(no target)", "met": None, "aa": aa,
                "resolved": resolved,
                "why": (f"outside the A/A control's span {span}" if resolved else
                        f"the A/A control's ratios span {span}, which covers the median "
                        f"{h.fmt(s['median'])}"),
                # Medians over the rounds: registrations in ms, first
                # touches in µs per page (TCG: only their shape means
                # anything).
                "times": times})
    return figs


def detail(figs, fmt):
    """The detail table: median times per variant and size."""
    rows = [f for f in figs if f.get("id") == "I1" and f["figure"] and f["ratio"] == "reg"]
    if not rows:
        return []
    out = ["", "### I1 in detail: implicit ODP against explicit ODP and pinning "
           "(implicitcost, one process, variants in a rotating order; median over the rounds; TCG)", "",
           "| size | rounds | registration ms: pinned | explicit ODP | explicit again (A/A) | implicit "
           "| first touch µs per page: explicit ODP | explicit again (A/A) | implicit |",
           "|---|---|---|---|---|---|---|---|---|"]
    for f in rows:
        t = f["times"]
        out.append(f"| {_label(f['bytes'])} | {f['figure']['pairs']} | "
                   + " | ".join(f"{t[k]['median']:.2f}" for k in (
                       "pinned_reg_s", "odp_reg_s", "odp2_reg_s", "implicit_reg_s",
                       "odp_touch_s", "odp2_touch_s", "implicit_touch_s")) + " |")
    return out


def findings(figs, fmt):
    """Sentences with this run's figures, one per size."""
    out = []
    by = {}
    for f in figs:
        if f.get("id") == "I1":
            if f["figure"] is None:
                out.append(f"I1: {f['why']}.")
            else:
                by.setdefault(f["bytes"], {})[f["ratio"]] = f

    def said(f):
        s, a = f["figure"], f["aa"]
        return (f"{fmt(s['median'])} (rounds {fmt(s['min'])} – {fmt(s['max'])}; A/A "
                f"{fmt(a['min'])} – {fmt(a['max'])}: "
                + ("resolved" if f["resolved"] else "**not resolved**") + ")")
    for size in sorted(by):
        g = by[size]
        t = g["reg"]["times"]
        n = g["reg"]["figure"]["pairs"]
        out.append(
            f"I1 {_label(size)} registration ({n} rounds): implicit / explicit ODP "
            f"{said(g['reg'])}, pinned / implicit {said(g['pin'])}; medians "
            f"{t['implicit_reg_s']['median']:.2f} ms implicit, {t['odp_reg_s']['median']:.2f} ms "
            f"explicit ODP, {t['pinned_reg_s']['median']:.2f} ms pinned.")
        out.append(
            f"I1 {_label(size)} first touch of every page: implicit / explicit ODP "
            f"{said(g['touch'])}, {t['implicit_touch_s']['median']:.2f} against "
            f"{t['odp_touch_s']['median']:.2f} µs per page; registration and first touch "
            f"through the implicit MR / pinned registration {said(g['whole'])}.")
    return out


def plot(pdir, figs, gnuplot):
    """Two panels against the size: registration time of the three kinds of
    MR (log-log: implicit flat, the others growing with the size), and the
    first touch per page, explicit twice (the A/A control) and implicit."""
    rows = sorted((f for f in figs if f.get("id") == "I1" and f["figure"]
                   and f["ratio"] == "reg"), key=lambda f: f["bytes"])
    if not rows:
        return None
    dat = os.path.join(pdir, "i1.dat")
    series = [("pinned_reg_s", "odp_reg_s", "implicit_reg_s"),
              ("odp_touch_s", "odp2_touch_s", "implicit_touch_s")]
    with open(dat, "w") as d:
        d.write("# size_MiB, then median min max of: " +
                ", ".join(k for s in series for k in s) + "\n")
        for f in rows:
            t = f["times"]
            d.write(f"{f['bytes'] / (1 << 20):g} " + " ".join(
                f"{t[k]['median']:.6g} {t[k]['min']:.6g} {t[k]['max']:.6g}"
                for s in series for k in s) + "\n")
    low = min(f["times"]["implicit_reg_s"]["min"] for f in rows)
    high = max(f["times"]["pinned_reg_s"]["max"] for f in rows)
    col = {"pinned": "#7570b3", "explicit": "#d95f02", "again": "#e6ab02",
           "implicit": "#1b9e77"}

    def lines(first, names):
        return ", ".join(
            f"'{dat}' using ($1*{1 + 0.04 * (i - 1):g}):{first + 3 * i}:{first + 1 + 3 * i}:"
            f"{first + 2 + 3 * i} with yerrorlines lw 2 pt 7 lc rgb '{col[c]}' title '{t}'"
            for i, (c, t) in enumerate(names))
    gnuplot(
        "set multiplot layout 1,2 title \"I1: implicit ODP MR against explicit ODP and "
        "pinning (median, min - max over the rounds; TCG: compare the lines, not the values)\" "
        "font ',12'\n"
        "set logscale x 2\nset xlabel 'working set [MiB]'\nset grid\nset key top left\n"
        f"set xrange [{rows[0]['bytes'] / (1 << 20) / 1.6:g}:{rows[-1]['bytes'] / (1 << 20) * 1.6:g}]\n"
        "set logscale y 10\nset ylabel 'registration time [ms]'\n"
        f"set yrange [{low / 2:g}:{high * 30:g}]\nset key top left Left reverse\n"
        "set title 'ibv\\_reg\\_mr()'\n"
        "plot " + lines(2, [("pinned", "pinned (faults in and pins every page)"),
                            ("explicit", "explicit ODP"),
                            ("implicit", "implicit ODP (whole address space)")]) + "\n"
        "unset logscale y\nset yrange [0:*]\nset ylabel 'first touch [µs per page]'\n"
        "set key bottom left Left reverse\n"
        "set title 'first touch: ibv\\_advise\\_mr() prefetch of every page'\n"
        "plot " + lines(11, [("explicit", "explicit ODP"),
                             ("again", "explicit ODP again (A/A control)"),
                             ("implicit", "implicit ODP")]) + "\n"
        "unset multiplot\n", os.path.join(pdir, "i1"), size=(1100, 480))
    return ("I1", "plots/i1")
