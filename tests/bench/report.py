#!/usr/bin/env python3
"""Turn the performance suite's raw measurements into its figures.

    tests/bench/report.py [--check] DIR

Reads DIR/raw-loopback.ndjson and, when present, DIR/raw-two-hosts.ndjson
(written in the guest by tests/bench/guest-suite), and writes
DIR/results.json (every figure: median, spread, pairs, target, met),
DIR/report.md and, with gnuplot, DIR/plots/*.svg and *.png.

Every figure is a ratio of two conditions measured in the same run, one
ratio per A/B pair; the figure is the median of those ratios and the
spread their minimum and maximum. With --check, exit 1 when a metric has
no figure at all (the suite broke), not when a target is missed.
"""
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict

PAGE = 4096


def load(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    return rows


def by_cond(rows, metric, key):
    """{cond: {pair: data}} for one metric and key."""
    out = defaultdict(dict)
    for r in rows:
        if r["metric"] == metric and r["key"] == key:
            out[r["cond"]][r["pair"]] = r["data"]
    return out


def result_row(data, run):
    for res in data["results"]:
        if res.get("run", 1) == run:
            return res
    raise KeyError(f"no run {run}")


def summary(ratios):
    if not ratios:
        return None
    return {"median": statistics.median(ratios), "min": min(ratios),
            "max": max(ratios), "pairs": len(ratios), "ratios": ratios}


def fig(name, ratios, target, op, limit, host="loopback", extra=None):
    s = summary(ratios)
    f = {"metric": name, "host": host, "target": f"{op} {limit:g}",
         "figure": s}
    if s is not None:
        f["met"] = s["median"] >= limit if op == ">=" else s["median"] <= limit
    else:
        f["met"] = None
    f["target_text"] = target
    if extra:
        f.update(extra)
    return f


def keys(rows, metric):
    seen = []
    for r in rows:
        if r["metric"] == metric and r["key"] not in seen:
            seen.append(r["key"])
    return seen


def run_pairs(procs):
    """Pairs of runs of rodp-bench processes whose runs alternate two
    conditions (--against-pinned, --churn-alternate): runs 1 2 | 3 4 | ...
    each as {cond: result}; the first pair of each process warms up."""
    for p in sorted(procs):
        res = procs[p]["results"]
        for i in range(2, len(res) - 1, 2):
            yield {res[i]["cond"]: res[i], res[i + 1]["cond"]: res[i + 1]}


def within_process_ratios(procs):
    """M1: ODP over pinned bandwidth per run pair, and the pages the
    measured ODP runs faulted."""
    ratios, faults = [], 0
    for pair in run_pairs(procs):
        ratios.append(pair["odp"]["bw_average_mb_sec"] /
                      pair["pinned"]["bw_average_mb_sec"])
        if pair["odp"]["rodp"] is not None:
            faults += pair["odp"]["rodp"]["fault-pages"]
    return ratios, faults


def m1(rows, host):
    figs = []
    for key in keys(rows, "M1"):
        op, size = key.split()
        c = by_cond(rows, "M1", key)
        extra = {}
        if "against-pinned" in c:
            ratios, faults = within_process_ratios(c["against-pinned"])
            # Warm means warm: rodp's count of pages the device faulted
            # during the measured ODP runs (0 expected).
            extra["odp_fault_pages_measured"] = faults
        else:
            ratios = [result_row(c["odp"][p], 2)["bw_average_mb_sec"] /
                      result_row(c["pinned"][p], 2)["bw_average_mb_sec"]
                      for p in sorted(set(c["odp"]) & set(c["pinned"]))]
        size = int(size)
        f = fig(f"M1 {op} {size // 1024} KiB warm ODP / pinned bandwidth",
                ratios, "≥ 0.97 at 64 KiB and above", ">=", 0.97, host,
                dict(extra, op=op, bytes=size, id="M1"))
        if size < 65536:
            f["met"] = None  # no target below 64 KiB: shown, not judged
        figs.append(f)
    return figs


def m3(rows):
    per, times = defaultdict(list), defaultdict(lambda: ([], []))
    for r in rows:
        if r["metric"] == "M3":
            d = r["data"]
            per[(r["key"], d["bytes"])].append(d["pinned_s"] / d["odp_s"])
            times[(r["key"], d["bytes"])][0].append(d["pinned_s"] * 1e3)
            times[(r["key"], d["bytes"])][1].append(d["odp_s"] * 1e3)
    figs = []
    for key, size in sorted(per):
        f = fig(f"M3 registration {size >> 20} MiB ({key}) pinned / ODP time",
                per[(key, size)], "≥ 50× at 1 GiB", ">=", 50, "loopback",
                {"id": "M3", "bytes": size, "key": key,
                 "pinned_ms": statistics.median(times[(key, size)][0]),
                 "odp_ms": statistics.median(times[(key, size)][1])})
        if size != 1 << 30:
            f["met"] = None
        figs.append(f)
    return figs


def m4(rows):
    figs = []
    for key in keys(rows, "M4"):
        c = by_cond(rows, "M4", key)["first+warm"]
        faults, bw = [], []
        for p in sorted(c):
            d = c[p]
            first, warm = result_row(d, 1), result_row(d, 2)
            # Loopback: the device walks both buffers once in run 1.
            touched = 2 * d["buffer_bytes"] // PAGE
            if first["rodp"] is not None:
                faults.append(first["rodp"]["fault-pages"] / touched)
            bw.append(first["bw_average_mb_sec"] / warm["bw_average_mb_sec"])
        op = key.split()[0]
        figs.append(fig(f"M4 {op}: data-path faults after prefetch / pages touched",
                        faults, "≤ 1 %", "<=", 0.01, "loopback", {"id": "M4"}))
        figs.append(fig(f"M4 {op}: first pass after prefetch / warm bandwidth",
                        bw, "≥ 0.9", ">=", 0.9, "loopback", {"id": "M4"}))
    return figs


def m5_pairs(c):
    """[(quiet, churn)] result rows of one M5 key: from one process whose
    runs alternate (rodp-bench --churn-alternate; the first pair warms up)
    or from separate processes, one A/B pair each (two hosts)."""
    if "alternate" in c:
        return [(pair["quiet"], pair["churn"]) for pair in run_pairs(c["alternate"])]
    return [(result_row(c["quiet"][p], 1), result_row(c["churn"][p], 1))
            for p in sorted(set(c["churn"]) & set(c["quiet"]))]


def m5(rows, host):
    """Keys "read KIND RATE POLICY [source-only]": POLICY stock or
    event-aware on ODP MRs, or pinned (the control); source-only: the
    buffer the device writes (READ's sink) is pinned, so the churn reaches
    only memory that is read, the metric's workload."""
    figs, table = [], {}
    for key in keys(rows, "M5"):
        op, kind, rate, pol, *variant = key.split()
        variant = variant[0] if variant else "both"
        pairs = m5_pairs(by_cond(rows, "M5", key))
        ratios = [ch["bw_average_mb_sec"] / q["bw_average_mb_sec"] for q, ch in pairs]
        # Refaults per churn event, from rodp's exact counters.
        per_event, side = [], {"client": [], "server": []}
        for _, r in pairs:
            if r["rodp"] is not None and r["churn_events"]:
                per_event.append(r["rodp"]["fault-pages"] / r["churn_events"])
                byb = r.get("fault_pages_by_buffer")
                if byb is not None:
                    for k in side:
                        side[k].append(byb[k] / r["churn_events"])
        table[(kind, rate, pol, variant)] = {
            "ratios": ratios, "refaults_per_event": per_event,
            "read_side": side["server"], "write_side": side["client"]}
        what = "pinned MRs (control)" if pol == "pinned" else pol
        if variant == "source-only":
            what += ", sink pinned"
        target = (kind == "softdirty" and rate == "100" and pol == "event-aware"
                  and (variant == "source-only" or host != "loopback"))
        f = fig(f"M5 READ {kind} {rate} Hz {what}: churn / quiet bandwidth",
                ratios, "READ, 100 Hz soft-dirty, event-aware ≥ 0.90" if target else
                "(context)", ">=", 0.90,
                host, {"id": "M5", "kind": kind, "rate": int(rate), "policy": pol,
                       "variant": variant,
                       "refaults_per_event": summary(per_event),
                       "source_per_event": summary(side["server"]),
                       "sink_per_event": summary(side["client"])})
        if not target:
            f["met"] = None
        figs.append(f)
    variant = "source-only" if host == "loopback" else "both"
    tag = ", sink pinned" if variant == "source-only" else ""
    # Loss ratio stock / event-aware for the target case.
    s = table.get(("softdirty", "100", "stock", variant))
    e = table.get(("softdirty", "100", "event-aware", variant))
    if s and e and s["ratios"] and e["ratios"]:
        n = min(len(s["ratios"]), len(e["ratios"]))
        lr = []
        for a, b in zip(s["ratios"][:n], e["ratios"][:n]):
            loss_s, loss_e = max(1 - a, 0.0), max(1 - b, 1e-3)
            lr.append(loss_s / loss_e)
        figs.append(fig(f"M5 READ softdirty 100 Hz{tag}: loss stock / loss event-aware",
                        lr, "≥ 3× less loss than stock", ">=", 3, host,
                        {"id": "M5", "note": "event-aware loss floored at 0.001"}))
    # The churn's own cost: the pinned control takes the same churn with
    # no invalidation reaching its MRs, so event-aware / control is the
    # share of the bandwidth that ODP keeps of what the machine leaves.
    c = table.get(("softdirty", "100", "pinned", "both"))
    if c and e and c["ratios"] and e["ratios"]:
        n = min(len(c["ratios"]), len(e["ratios"]))
        f = fig(f"M5 READ softdirty 100 Hz{tag}: event-aware / pinned control (churn / quiet each)",
                [a / b for a, b in zip(e["ratios"][:n], c["ratios"][:n])],
                "(diagnostic: 1 = ODP loses nothing beyond the churn's own cost)", ">=", 0.90, host,
                {"id": "M5"})
        f["met"] = None
        figs.append(f)
    return figs, table


def avoided(stock, aware):
    n = min(len(stock), len(aware))
    return [1 - b / a if a else 0.0 for a, b in zip(stock[:n], aware[:n])]


def m6(table, host):
    """Refaults per churn event, event-aware against stock. The figure is
    the read workload: RDMA READ's source buffer (the server's in
    loopback), which the device only reads. The whole process, whose
    sink buffer the device writes, is shown beside it without a target."""
    figs = []
    for kind in ("softdirty", "fork"):
        for rate in ("100", "10"):
            s = table.get((kind, rate, "stock", "both"))
            e = table.get((kind, rate, "event-aware", "both"))
            if not s or not e:
                continue
            if s["read_side"] and e["read_side"]:
                figs.append(fig(f"M6 refaults avoided, READ source buffer (read workload), {kind} {rate} Hz",
                                avoided(s["read_side"], e["read_side"]), "≥ 99 %", ">=", 0.99, host,
                                {"id": "M6", "stock_per_event": summary(s["read_side"]),
                                 "event_aware_per_event": summary(e["read_side"])}))
            if s["refaults_per_event"] and e["refaults_per_event"]:
                f = fig(f"M6 refaults avoided, whole process (source + written sink), {kind} {rate} Hz",
                        avoided(s["refaults_per_event"], e["refaults_per_event"]), "(none: the sink is written)",
                        ">=", 0.99, host,
                        {"id": "M6", "stock_per_event": summary(s["refaults_per_event"]),
                         "event_aware_per_event": summary(e["refaults_per_event"])})
                f["met"] = None
                figs.append(f)
    return figs


def m7(rows):
    figs = []
    for key in keys(rows, "M7"):
        c = by_cond(rows, "M7", key)
        pairs = sorted(set(c["loaded"]) & set(c["unloaded"]))
        ratios = [c["loaded"][p]["seconds"] / c["unloaded"][p]["seconds"] for p in pairs]
        counters = [c["loaded"][p]["rodp"] for p in pairs]
        figs.append(fig(f"M7 {key} loop wall time, rodp loaded / not loaded",
                        ratios, "≤ 1.03", "<=", 1.03, "loopback",
                        {"id": "M7", "rodp_counters_loaded": counters,
                         "iterations": c["loaded"][pairs[0]]["iterations"] if pairs else None}))
    return figs


def gnuplot(script, plots):
    for term, ext in (("svg size 800,480 dynamic background '#ffffff'", "svg"),
                      ("pngcairo size 800,480", "png")):
        subprocess.run(["gnuplot"], input=f"set terminal {term}\nset output '{plots}.{ext}'\n{script}",
                       text=True, check=True)


def plots(outdir, figs):
    pdir = os.path.join(outdir, "plots")
    os.makedirs(pdir, exist_ok=True)
    made = []
    # M1: ratio against message size, one line per op and host.
    series = defaultdict(list)
    for f in figs:
        if f.get("id") == "M1" and f["figure"]:
            series[(f["op"], f["host"])].append((f["bytes"], f["figure"]))
    if series:
        dat = os.path.join(pdir, "m1.dat")
        cmds = []
        with open(dat, "w") as d:
            for i, ((op, host), pts) in enumerate(sorted(series.items())):
                d.write(f"# {op} {host}\n")
                for b, s in sorted(pts):
                    d.write(f"{b // 1024} {s['median']} {s['min']} {s['max']}\n")
                d.write("\n\n")
                cmds.append(f"'{dat}' index {i} with yerrorlines title '{op} ({host})'")
        gnuplot("set logscale x 2\nset xlabel 'message size [KiB]'\n"
                "set ylabel 'warm ODP / pinned bandwidth'\nset key bottom right\n"
                "set grid\nset arrow from graph 0, first 0.97 to graph 1, first 0.97 nohead dt 2\n"
                "set title 'M1: warm ODP MR against pinned MR (median, min-max)'\n"
                "plot " + ", ".join(cmds) + "\n", os.path.join(pdir, "m1"))
        made.append(("M1", "plots/m1"))
    # M5: one bar per kind/rate/policy.
    bars = [f for f in figs if f.get("id") == "M5" and "kind" in f and f["figure"]]
    for host in sorted({f["host"] for f in bars}):
        dat = os.path.join(pdir, f"m5-{host}.dat")
        with open(dat, "w") as d:
            for f in bars:
                if f["host"] == host:
                    s = f["figure"]
                    sp = " sink-pinned" if f.get("variant") == "source-only" else ""
                    d.write(f"\"{f['kind']} {f['rate']}Hz {f['policy']}{sp}\" "
                            f"{s['median']} {s['min']} {s['max']}\n")
        gnuplot("set style data histogram\nset style histogram errorbars lw 1\n"
                "set style fill solid 0.6\nset boxwidth 0.8\nset yrange [0:1.3]\n"
                "set arrow from graph 0, first 0.9 to graph 1, first 0.9 nohead dt 2\n"
                "set xtics rotate by -40\nset ylabel 'churn / quiet bandwidth'\n"
                "set grid y\nset key off\n"
                f"set title 'M5: RDMA READ under churn ({host}; median, min-max)'\n"
                f"plot '{dat}' using 2:3:4:xtic(1)\n", os.path.join(pdir, f"m5-{host}"))
        made.append((f"M5 ({host})", f"plots/m5-{host}"))
    # M3: ratio against size, one line per THP setting.
    pts = defaultdict(list)
    for f in figs:
        if f.get("id") == "M3" and f["figure"]:
            pts[f["key"]].append(f)
    if pts:
        dat = os.path.join(pdir, "m3.dat")
        cmds = []
        with open(dat, "w") as d:
            for i, (key, fs) in enumerate(sorted(pts.items())):
                for f in fs:
                    s = f["figure"]
                    d.write(f"{f['bytes'] >> 20} {s['median']} {s['min']} {s['max']}\n")
                d.write("\n\n")
                cmds.append(f"'{dat}' index {i} with yerrorlines title '{key}'")
        gnuplot("set logscale x 2\nset logscale y 10\nset xlabel 'region size [MiB]'\n"
                "set ylabel 'pinned / ODP registration time'\nset grid\nset key top left\n"
                "set arrow from graph 0, first 50 to graph 1, first 50 nohead dt 2\n"
                "set title 'M3: registration time, pinned over ODP (median, min-max)'\n"
                "plot " + ", ".join(cmds) + "\n", os.path.join(pdir, "m3"))
        made.append(("M3", "plots/m3"))
    return made


def fmt(v):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3f}"


def detail_tables(figs):
    """The counts and times the analysis reads the ratios with."""
    out = []
    m3 = [f for f in figs if f.get("id") == "M3" and f["figure"]]
    if m3:
        out += ["", "### M3 in detail: registration times (median, ms; TCG)", "",
                "| memory | size | pinned | ODP | pinned / ODP |", "|---|---|---|---|---|"]
        for f in m3:
            out.append(f"| {f['key']} | {f['bytes'] >> 20} MiB | {f['pinned_ms']:.1f} | "
                       f"{f['odp_ms']:.1f} | {fmt(f['figure']['median'])} |")
    m5 = [f for f in figs if f.get("id") == "M5" and "kind" in f and f["figure"]]
    if m5:
        out += ["", "### M5 in detail: device refaults per churn event (rodp counters, median)", "",
                "Source: the buffer RDMA READ reads (the server's); sink: the buffer it "
                "writes (the client's; loopback only, where both are in the churned process).", "",
                "| host | kind | rate | MRs | churn / quiet | refault pages per event: source | sink | whole process |",
                "|---|---|---|---|---|---|---|---|"]
        for f in m5:
            ev = f.get("refaults_per_event")
            src, snk = f.get("source_per_event"), f.get("sink_per_event")
            cell = lambda s: fmt(s["median"]) if s else "—"
            mrs = f["policy"] + (", sink pinned" if f.get("variant") == "source-only" else "")
            out.append(f"| {f['host']} | {f['kind']} | {f['rate']} Hz | {mrs} | "
                       f"{fmt(f['figure']['median'])} | {cell(src)} | {cell(snk)} | {cell(ev)} |")
    return out


def markdown(outdir, figs, made, meta, notes):
    lines = ["# rodp performance suite: results", "",
             f"Generated by `tests/bench/run{' --quick' if meta['quick'] else ''}` "
             f"on {meta['date']} (guest time {meta.get('guest_seconds', '?')} s). Soft-RoCE under QEMU "
             "TCG: absolute speeds mean nothing, so every figure is a ratio of two "
             "conditions measured in the same run, alternated A B B A; the figure is "
             "the median of the per-pair ratios, the spread their minimum and maximum. "
             "Event counts are rodp.ko's counters (exact).", ""]
    if meta.get("note"):
        lines += [f"**About this run:** {meta['note']}", ""]
    if meta["quick"]:
        lines += ["**This is a `--quick` run** (one message size, one churn kind and rate, "
                  "two pairs): it proves the suite works, its figures are not the full "
                  "suite's. `tests/bench/run` (about 20 minutes) replaces it.", ""]
    lines += [
             "| id | metric | host | figure (median) | spread (min – max) | pairs | target | met? |",
             "|---|---|---|---|---|---|---|---|"]
    for f in figs:
        s = f["figure"]
        met = {True: "yes", False: "**no**", None: "(no target)"}[f["met"]]
        if s is None:
            lines.append(f"| {f['id']} | {f['metric']} | {f['host']} | no data | | 0 | {f['target_text']} | **no data** |")
            continue
        lines.append(f"| {f['id']} | {f['metric']} | {f['host']} | {fmt(s['median'])} | "
                     f"{fmt(s['min'])} – {fmt(s['max'])} | {s['pairs']} | {f['target_text']} | {met} |")
    lines += detail_tables(figs)
    lines += ["", "## Plots", ""]
    for title, base in made:
        lines += [f"### {title}", "", f"![{title}]({base}.svg)", "",
                  f"(PNG: [{base}.png]({base}.png))", ""]
    if notes:
        lines += ["## Analysis", "", notes.strip(), ""]
    lines += ["## Raw data", "",
              "`raw-*.ndjson`: one line per measurement as the tools printed it; "
              "`results.json`: every figure with its per-pair ratios.", ""]
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(lines))


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = args[0]
    lo = load(os.path.join(outdir, "raw-loopback.ndjson"))
    th = load(os.path.join(outdir, "raw-two-hosts.ndjson"))
    meta = {}
    mp = os.path.join(outdir, "meta.json")
    if os.path.exists(mp):
        with open(mp) as f:
            meta = json.load(f)
    meta.setdefault("quick", False)
    meta.setdefault("date", "?")
    figs = m1(lo, "loopback") + m1(th, "two-hosts") + m3(lo) + m4(lo)
    f5, table = m5(lo, "loopback")
    f5t, table_t = m5(th, "two-hosts")
    figs += f5 + f5t + m6(table, "loopback") + m6(table_t, "two-hosts") + m7(lo)
    made = plots(outdir, figs)
    notes = ""
    np_ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if not meta["quick"] and os.path.exists(np_):
        with open(np_) as f:
            notes = f.read()
    markdown(outdir, figs, made, meta, notes)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"meta": meta, "figures": figs}, f, indent=1)
        f.write("\n")
    for f in figs:
        s = f["figure"]
        print(f"{f['id']:3} {f['metric'][:70]:70} {f['host']:9} "
              f"{fmt(s['median']) if s else 'no data':>8} "
              f"[{fmt(s['min']) if s else ''} – {fmt(s['max']) if s else ''}] "
              f"{f['target_text']}: {f['met']}")
    if check:
        want = {"M1", "M3", "M4", "M5", "M6", "M7"}
        have = {f["id"] for f in figs if f["figure"]}
        if want - have:
            print(f"report: no figure for {sorted(want - have)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
