#!/usr/bin/env python3
"""Build the Ferry-versus-Linux benchmark report from the boot logs.

    tools/bench-report.py [--linux-only] [BUILD/bench]

Reads linux/*.log and ferry/*.log (written by tools/bench-linux.sh and
tools/bench-ferry.sh: serial output with "@@" marker lines and the
benchmarks' `name value unit` lines), and writes results.json, results.md
and chart.svg beside them; prints results.md.

Two measures: "icount" (QEMU -icount shift=0,sleep=off, one CPU: a guest
nanosecond is one instruction, so figures are instruction counts) and
"wall" (plain TCG: median of the boots, with min and max). The ratio is
always Ferry's cost over Linux's, so below 1 means Ferry is faster: for
MB/s rows it is Linux's figure over Ferry's. A ratio is given only when
both sides ran with the same settings."""
import datetime
import glob
import json
import math
import os
import re
import statistics
import sys

SIDES = ("ferry", "linux")
# Benchmarks that wait for a disk: compared on wall time only (see build()).
IO_BOUND = ("seqread",)
MEASURES = {
    "icount": "Instruction counts: `-icount shift=0,sleep=off`, 1 CPU",
    "wall": "Wall time: plain TCG, 2 CPUs, median of the boots (min–max)",
}
RESULT = re.compile(r"^([A-Za-z0-9_.-]+) ([0-9.]+(?:e[+-]?[0-9]+)?) (ns|MB/s|ms)$")
SAME = 0.03  # ratios within 3 % of 1 are a draw


def parse_log(path):
    """One boot: its host settings, guest facts and benchmark figures."""
    run = {"path": path, "host": {}, "meta": {}, "results": {}, "ended": {}, "done": False}
    inside = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("@@host "):
                key, _, val = line[7:].partition(" ")
                run["host"][key] = val
            elif line.startswith("@@meta "):
                key, _, val = line[7:].partition(" ")
                run["meta"][key] = val
            elif line.startswith("@@begin "):
                inside = line[8:]
            elif line.startswith("@@end "):
                prog, _, rc = line[6:].partition(" ")
                run["ended"][prog] = rc
                inside = None
            elif line == "@@done":
                run["done"] = True
            elif inside:
                m = RESULT.match(line)
                if m:
                    run["results"][m.group(1)] = (float(m.group(2)), m.group(3))
    ms = run["host"].get("boot_to_init_ms")
    if ms and run["host"].get("mode") == "wall":
        run["results"]["boot_to_init"] = (float(ms), "ms")
    return run


def load(top, sides):
    runs = {side: {m: [] for m in MEASURES} for side in SIDES}
    for side in sides:
        for path in sorted(glob.glob(os.path.join(top, side, "*.log"))):
            run = parse_log(path)
            mode = run["host"].get("mode")
            if mode in MEASURES:
                runs[side][mode].append(run)
    return runs


def settings(side_runs):
    """What must match for a comparison: CPUs, memory, timing mode."""
    if not side_runs:
        return None
    h = side_runs[0]["host"]
    return {"mode": h.get("mode"), "smp": h.get("smp"), "mem": h.get("mem")}


def summary(side_runs, name):
    vals = [r["results"][name][0] for r in side_runs if name in r["results"]]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "runs": len(vals)}


def build(top, linux_only):
    runs = load(top, ("linux",) if linux_only else SIDES)
    status_file = os.path.join(top, "ferry", "status")
    if linux_only:
        ferry_status = "ferry: not run (Linux side only)"
    elif os.path.exists(status_file):
        ferry_status = open(status_file).read().strip()
    else:
        ferry_status = None
    out = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "ratio": "Ferry's cost / Linux's (for MB/s: Linux / Ferry); below 1 means Ferry is faster",
        "ferry_status": ferry_status,
        "measures": {},
    }
    for mode, title in MEASURES.items():
        lin, fer = runs["linux"][mode], runs["ferry"][mode]
        names = []
        for r in lin + fer:
            for n in r["results"]:
                if n not in names:
                    names.append(n)
        s_lin, s_fer = settings(lin), settings(fer)
        comparable = bool(lin and fer and s_lin == s_fer)
        rows = []
        for n in names:
            unit = next(r["results"][n][1] for r in lin + fer if n in r["results"])
            row = {"name": n, "unit": unit, "ferry": summary(fer, n), "linux": summary(lin, n),
                   "ratio": None, "better": None}
            if mode == "icount" and n.startswith(IO_BOUND):
                # Waiting for the disk halts the guest, and -icount sleep=off then jumps
                # its clock to the next timer deadline: not an instruction count at all.
                row["better"] = "I/O: see wall time"
            elif comparable and row["ferry"] and row["linux"]:
                f, l = row["ferry"]["median"], row["linux"]["median"]
                ratio = (l / f if unit == "MB/s" else f / l) if f > 0 and l > 0 else None
                if ratio is not None:
                    row["ratio"] = ratio
                    row["better"] = ("same" if abs(ratio - 1) < SAME
                                     else "Ferry" if ratio < 1 else "Linux")
            rows.append(row)
        out["measures"][mode] = {
            "title": title,
            "comparable": comparable,
            "settings": {"linux": s_lin, "ferry": s_fer},
            "sides": {side: side_info(runs[side][mode]) for side in SIDES},
            "rows": rows,
        }
    return out


def side_info(side_runs):
    if not side_runs:
        return None
    h, m = side_runs[0]["host"], side_runs[0]["meta"]
    return {
        "boots": len(side_runs),
        "finished": sum(r["done"] for r in side_runs),
        "kernel": h.get("kernel"),
        "cmdline": m.get("cmdline"),
        "clocksource": m.get("clocksource"),
        "qemu": h.get("qemu"),
        "flags": h.get("flags"),
        "elapsed_s": [int(r["host"]["elapsed_s"]) for r in side_runs if "elapsed_s" in r["host"]],
        "host_load": [r["host"]["loadavg"] for r in side_runs if "loadavg" in r["host"]],
        "failed_programs": sorted({p for r in side_runs for p, rc in r["ended"].items() if rc != "0"}),
    }


def sig3(x):
    return "{:.0f}".format(x) if x >= 100 else "{:.1f}".format(x) if x >= 10 else "{:.2f}".format(x)


def fmt(v, unit, mode):
    if mode == "icount" and unit == "ns":
        return "{:,.0f}".format(v)
    if unit == "ns":
        for scale, name in ((1e6, "ms"), (1e3, "µs"), (1, "ns")):
            if v >= scale or scale == 1:
                return "{} {}".format(sig3(v / scale), name)
    if unit == "ms":
        return "{} s".format(sig3(v / 1000)) if v >= 1000 else "{} ms".format(sig3(v))
    return sig3(v)


def fmt_ratio(r):
    return "{:.2g}".format(r) if r < 0.1 else "{:.2f}".format(r) if r < 10 else "{:.0f}".format(r)


def unit_label(unit, mode):
    if mode == "icount":
        return {"ns": "instr./op", "MB/s": "bytes/kinstr", "ms": "ms"}[unit]
    return {"ns": "time/op", "MB/s": "MB/s", "ms": "time"}[unit]


def cell(s, unit, mode):
    if not s:
        return "—"
    text = fmt(s["median"], unit, mode)
    if s["runs"] > 1:
        text += " ({}–{})".format(fmt(s["min"], unit, mode), fmt(s["max"], unit, mode))
    return text


def markdown(rep):
    lines = ["# Ferry and Linux, side by side", ""]
    lines.append("Same QEMU virtual machine for both kernels; ratio = " + rep["ratio"] + ".")
    if rep["ferry_status"]:
        lines += ["", "> " + rep["ferry_status"]]
    notes = {
        "icount": "A guest nanosecond is one executed instruction, and QEMU counts every "
                  "iteration of a `rep` string instruction (zeroing 4 KiB with `rep stosb` "
                  "counts 4096, with `rep stosq` 512).",
        "wall": "Host time under TCG: noisy, and slowed by any other load on the host.",
    }
    for mode, m in rep["measures"].items():
        lines += ["", "## " + m["title"], "", notes[mode], ""]
        for side in SIDES:
            info = m["sides"][side]
            if info:
                lines.append("- {}: {} boot(s), {} finished; kernel {}{}{}".format(
                    side.capitalize(), info["boots"], info["finished"], info["kernel"],
                    "; command line `{}`".format(info["cmdline"]) if info["cmdline"] else "",
                    "; clocksource {}".format(info["clocksource"]) if info["clocksource"] else ""))
                lines.append("  - QEMU: {}; `{}`".format(info["qemu"], info["flags"]))
                if mode == "wall" and info["host_load"]:
                    lines.append("  - host load average at each boot: " + "; ".join(info["host_load"]))
                if info["failed_programs"]:
                    lines.append("  - programs that failed: " + ", ".join(info["failed_programs"]))
            else:
                lines.append("- {}: no results".format(side.capitalize()))
        if m["sides"]["linux"] and m["sides"]["ferry"] and not m["comparable"]:
            lines.append("- **Not compared:** the two sides ran with different settings: {}".format(
                m["settings"]))
        lines += ["", "| benchmark | unit | Ferry | Linux | Ferry/Linux | better |",
                  "| --- | --- | ---: | ---: | ---: | --- |"]
        for r in m["rows"]:
            ratio = fmt_ratio(r["ratio"]) if r["ratio"] is not None else "—"
            lines.append("| {} | {} | {} | {} | {} | {} |".format(
                r["name"], unit_label(r["unit"], mode), cell(r["ferry"], r["unit"], mode),
                cell(r["linux"], r["unit"], mode), ratio, r["better"] or "—"))
    lines += ["", "Chart of the ratios: `chart.svg`. Generated " + rep["generated"] + "."]
    return "\n".join(lines) + "\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(rep):
    """Horizontal bars of log2(ratio) around 1, one panel per measure."""
    width, label_w, bar_w, row_h, span = 760, 230, 480, 18, 4.0  # span: log2 1/16 .. 16
    parts, y = [], 10
    x0 = label_w + bar_w / 2

    def xpos(ratio):
        return x0 + max(-span, min(span, math.log2(ratio))) / span * (bar_w / 2)

    parts.append('<text x="10" y="{}" font-size="15" font-weight="bold">Ferry / Linux '
                 '(below 1: Ferry faster; log scale)</text>'.format(y + 14))
    y += 30
    for mode, m in rep["measures"].items():
        rows = [r for r in m["rows"] if r["ratio"] is not None]
        parts.append('<text x="10" y="{}" font-size="13" font-weight="bold">{}</text>'.format(
            y + 12, esc(m["title"].replace("`", ""))))
        y += 22
        if not rows:
            why = rep["ferry_status"] or "no results from both kernels with the same settings"
            parts.append('<text x="20" y="{}" font-size="12" fill="#555">No ratios: {}</text>'
                         .format(y + 12, esc(why)))
            y += 28
            continue
        top = y
        for r in rows:
            x1, x2 = sorted((x0, xpos(r["ratio"])))
            color = "#2a7" if r["ratio"] < 1 else "#c44"
            parts.append('<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>'.format(
                label_w - 8, y + 13, esc(r["name"])))
            parts.append('<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}"/>'.format(
                x1, y + 3, max(x2 - x1, 1), row_h - 6, color))
            # The figure goes past the bar's end, or beside the axis when clipped.
            right = r["ratio"] >= 1
            if abs(math.log2(r["ratio"])) > span:
                right = not right
                tx = x0 + (4 if right else -4)
            else:
                tx = xpos(r["ratio"]) + (4 if right else -4)
            parts.append('<text x="{:.1f}" y="{}" font-size="11" text-anchor="{}">{}</text>'.format(
                tx, y + 13, "start" if right else "end", fmt_ratio(r["ratio"])))
            y += row_h
        for k in range(-int(span), int(span) + 1, 2):
            x = x0 + k / span * (bar_w / 2)
            parts.append('<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}" stroke="{}"/>'.format(
                x, top, x, y, "#000" if k == 0 else "#ddd"))
            parts.append('<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{}</text>'
                         .format(x, y + 12, "{:g}".format(2.0 ** k)))
        y += 28
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            'viewBox="0 0 {w} {h}" font-family="sans-serif">\n'
            '<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
            ).format(w=width, h=y + 10, body="\n".join(parts))


def main():
    args = sys.argv[1:]
    linux_only = "--linux-only" in args
    args = [a for a in args if a != "--linux-only"]
    top = args[0] if args else os.path.join("build", "bench")
    rep = build(top, linux_only)
    with open(os.path.join(top, "results.json"), "w") as f:
        json.dump(rep, f, indent=2, ensure_ascii=False)
        f.write("\n")
    md = markdown(rep)
    with open(os.path.join(top, "results.md"), "w") as f:
        f.write(md)
    with open(os.path.join(top, "chart.svg"), "w") as f:
        f.write(svg(rep))
    sys.stdout.write(md)
    print("\n(bench: wrote {0}/results.json, {0}/results.md, {0}/chart.svg)".format(top))


if __name__ == "__main__":
    main()
