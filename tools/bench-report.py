#!/usr/bin/env python3
"""Build the Ferry-versus-Linux benchmark report from the boot logs.

    tools/bench-report.py [--linux-only] [BUILD/bench]

Reads the logs of three sides: ferry/*.log (tools/bench-ferry.sh),
linux-default/*.log and linux-lean/*.log (tools/bench-linux.sh --config
default|lean): serial output with "@@" marker lines and the benchmarks'
`name value unit` or `name unsupported why` lines. Writes results.json,
results.md and chart.svg beside them and prints results.md.

Only the programs of bin/list (the last `make bench-bins`, BENCH_PROGS)
count. Exits 1, naming each, if a boot did not finish, a program failed,
timed out or printed no figure, or a figure one side has is missing from
another's run ("unsupported" lines are not failures: the kernel lacks a
feature, and the report shows "not supported").

Measures: "icount" (QEMU -icount shift=0,sleep=off, one CPU: a guest
nanosecond is one instruction, so figures are instruction counts) and
"wall" (plain TCG, two CPUs: median of the boots, with min and max). Ratios are
always Ferry's cost over Linux's, so below 1 means Ferry is faster (for
MB/s rows Linux's figure over Ferry's); the lean Linux is the baseline that
"better" and the goals are judged against, the default one stands beside
it. A ratio is given only when both sides ran with the same settings."""
import datetime
import glob
import json
import math
import os
import re
import statistics
import sys

SIDES = ("ferry", "linux-lean", "linux-default")
LINUX = ("linux-lean", "linux-default")
TITLE = {"ferry": "Ferry", "linux-lean": "Linux lean", "linux-default": "Linux default"}
BASE = "linux-lean"  # goals and "better" are judged against this one
MEASURES = {
    "icount": "Instruction counts: `-icount shift=0,sleep=off`, 1 CPU",
    "wall": "Wall time: plain TCG, 2 CPUs, median of the boots (min–max)",
}
# Benchmarks that wait for a disk: under -icount the clock jumps while the
# guest waits, so their icount figures are not instruction counts. seqread
# and swap-in are compared on wall time only; the untar, sync, rm and msync
# on ext2 (which may wait for the disk) are shown as virtual time, with a
# ratio: for the sync that is the figure issue 17 asks for.
IO_BOUND = ("seqread", "swapin_")
VIRTUAL = ("sync_after_untar_", "untar_2000_ext2", "rm_rf_2000_ext2", "msync_dirty_")
# Ferry-only figures compared with what Linux does instead: (Ferry's row,
# Linux's row). Shown when Linux has no figure of its own for the first.
COMPARE = [("ferry_spawn_wait", "posix_spawn_wait"), ("uring_msg_roundtrip", "pipe_roundtrip")] + [
    (f"msg_{s}", f"{how}_{s}") for s in ("4k", "64k", "1m", "16m") for how in ("pipemsg", "vmsplice")]
# Issue 17's goals, Ferry / lean Linux, judged on the figure named.
GOALS = {
    "getppid": 0.35, "pipe_roundtrip": 0.3, "fork_exit_wait": 0.25, "posix_spawn_wait": 0.2,
    "ferry_spawn_wait vs posix_spawn_wait": 0.2, "page_fault_zero": 0.3, "stat_5deep": 0.5,
    "file_create_write_unlink": 0.4, "sched_yield_pingpong": 0.5, "boot_to_init": 0.05,
    "sigaction_install": 0.5, "find_2000_ext2": 0.7, "du_2000_ext2": 0.7,
    "sync_after_untar_ext2": 2.0, "fairness_spread_4on2": 1.0, "msg_1m vs pipemsg_1m": 0.05,
    "tcp_roundtrip": 0.5, "tcp_bw_64k": 0.5, "udp_roundtrip": 0.5,
    # Issue 14's: io_uring per operation
    "uring_nop_1": 0.5, "uring_nop_32": 0.5, "uring_read4k_qd1": 0.5, "uring_read4k_qd32": 0.5,
    # Issue 11's: file mappings, msync and swap-in
    "file_read_cached_64m": 0.5, "file_mmap_cached_64m": 0.5, "page_fault_file": 0.5,
    "msync_dirty_1m_ext2": 0.5, "swapin_64m": 0.5,
    # Issue 12's: Debian's dynamically linked programs
    "debian_exec_true": 0.5, "debian_bash_true_200": 0.5, "debian_python3_pass": 0.5,
    "debian_gcc_c": 0.5,
}
RESULT = re.compile(r"^([A-Za-z0-9_.-]+) ([0-9.]+(?:e[+-]?[0-9]+)?) (ns|MB/s|ms|spread)$")
UNSUPPORTED = re.compile(r"^([A-Za-z0-9_.-]+) unsupported ?(.*)$")
SAME = 0.03  # ratios within 3 % of 1 are a draw
LOWER_BETTER = ("ns", "ms", "spread")


def parse_log(path):
    """One boot: its host settings, guest facts and benchmark figures."""
    run = {"path": path, "host": {}, "meta": {}, "results": {}, "unsupported": {},
           "begun": [], "ended": {}, "rows_of": {}, "done": False}
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
                run["begun"].append(inside)
                run["rows_of"].setdefault(inside, [])
            elif line.startswith("@@end "):
                prog, _, rc = line[6:].partition(" ")
                run["ended"][prog] = rc
                inside = None
            elif line == "@@done":
                run["done"] = True
            elif inside:
                m = RESULT.match(line)
                u = UNSUPPORTED.match(line)
                if m:
                    run["results"][m.group(1)] = (float(m.group(2)), m.group(3))
                    run["rows_of"][inside].append(m.group(1))
                elif u:
                    run["unsupported"][u.group(1)] = u.group(2).strip() or "unsupported"
                    run["rows_of"][inside].append(u.group(1))
    ms = run["host"].get("boot_to_init_ms")
    if ms and run["host"].get("mode") == "wall":
        run["results"]["boot_to_init"] = (float(ms), "ms")
        run["rows_of"]["(boot)"] = ["boot_to_init"]
    return run


def read_list(top):
    """The programs of this run and the modes each runs in (see mk/bench.mk)."""
    progs = []
    path = os.path.join(top, "bin", "list")
    if os.path.exists(path):
        for line in open(path):
            words = line.split()
            if words:
                wall_only = "smp2" in words[1:] or "wall" in words[1:]
                modes = ("wall",) if wall_only else ("wall", "icount")
                progs.append((words[0], modes))
    return progs


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
    """What must match for a comparison: CPUs, memory, timing mode, CPU model."""
    if not side_runs:
        return None
    h = side_runs[0]["host"]
    return {"mode": h.get("mode"), "smp": h.get("smp"), "mem": h.get("mem"), "cpu": h.get("cpu")}


def summary(side_runs, name):
    vals = [r["results"][name][0] for r in side_runs if name in r["results"]]
    if vals:
        return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
                "runs": len(vals)}
    why = [r["unsupported"][name] for r in side_runs if name in r["unsupported"]]
    if why:
        return {"unsupported": why[0]}
    return None


def value(s):
    return s["median"] if s and "median" in s else None


def ratio_of(unit, f, l):
    if f is None or l is None or f <= 0 or l <= 0:
        return None
    return l / f if unit == "MB/s" else f / l


def exit_reason(rc):
    try:
        n = int(rc)
    except ValueError:
        return "ended with status " + rc
    if n in (124, 143):
        return "timed out"
    if n == 125:
        return "kernel panic or failure"
    if n == 126:
        return "kernel did not boot or could not start it"
    if n > 128:
        return "killed by signal {}".format(n - 128)
    return "exited with status {}".format(n)


def check(runs, progs, sides):
    """Every way a run can fail to give what it should, one line each."""
    problems = []
    for side in sides:
        for mode, side_runs in runs[side].items():
            expected = [p for p, modes in progs if mode in modes]
            seen_rows = {}
            for s2 in sides:
                for r in runs[s2][mode]:
                    for p, rows in r["rows_of"].items():
                        seen_rows.setdefault(p, set()).update(rows)
            for i, r in enumerate(side_runs):
                where = "{} {} boot {}".format(TITLE[side], mode, os.path.basename(r["path"]))
                if not r["done"]:
                    why = ("timed out after {}".format(r["host"]["timed_out"])
                           if "timed_out" in r["host"] else
                           "QEMU status {}".format(r["host"].get("qemu_status", "?")))
                    problems.append("{}: the boot did not finish ({})".format(where, why))
                for p in expected:
                    if p not in r["begun"]:
                        if r["done"]:
                            problems.append("{}: {} did not run".format(where, p))
                        continue
                    rc = r["ended"].get(p)
                    if rc is None:
                        problems.append("{}: {} never ended".format(where, p))
                    elif rc != "0":
                        problems.append("{}: {} {}".format(where, p, exit_reason(rc)))
                    mine = set(r["rows_of"].get(p, []))
                    if not mine and rc == "0":
                        problems.append("{}: {} printed no figure".format(where, p))
                    elif rc == "0":
                        for row in sorted(seen_rows.get(p, set()) - mine):
                            problems.append("{}: {} gave no value for {}".format(where, p, row))
                if mode == "wall" and side != "ferry" and r["done"]:
                    cs = (r["meta"].get("clocksource"), r["meta"].get("clocksource_at_end"))
                    if cs[0] not in ("tsc", "tsc-early") or cs[1] != "tsc":
                        problems.append("{}: clocksource {} at init, {} at the end (wanted tsc)"
                                        .format(where, *cs))
                if mode == "wall" and r["done"] and "boot_to_init" not in r["results"]:
                    problems.append("{}: no boot time".format(where))
    return problems


def build(top, linux_only):
    sides = LINUX if linux_only else SIDES
    runs = load(top, sides)
    progs = read_list(top)
    names_in_list = {p for p, _ in progs} | {"(boot)"}
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
        "baseline": BASE,
        "programs": [p for p, _ in progs],
        "ferry_status": ferry_status,
        "measures": {},
    }
    for mode, title in MEASURES.items():
        names, units = [], {}
        for side in SIDES:
            for r in runs[side][mode]:
                for p in r["begun"] + ["(boot)"]:
                    if p not in names_in_list:
                        continue
                    for n in r["rows_of"].get(p, []):
                        if n not in names:
                            names.append(n)
                        if n in r["results"]:
                            units.setdefault(n, r["results"][n][1])
        if not names:
            continue
        sets = {side: settings(runs[side][mode]) for side in SIDES}
        comparable = {l: bool(runs["ferry"][mode] and runs[l][mode] and sets["ferry"]["smp"] ==
                              sets[l]["smp"] and sets["ferry"]["mem"] == sets[l]["mem"])
                      for l in LINUX}
        rows = []

        def make_row(label, unit, fer, lin):
            row = {"name": label, "unit": unit, "ferry": fer, "ratio": {}, "better": None,
                   "goal": GOALS.get(label), "kind": None}
            for l in LINUX:
                row[l] = lin[l]
            if mode.startswith("icount") and label.startswith(IO_BOUND):
                row["kind"] = "io"
                row["better"] = "I/O: see wall time"
                return row
            if mode.startswith("icount") and label.startswith(VIRTUAL):
                row["kind"] = "virtual"
            for l in LINUX:
                if comparable[l]:
                    r = ratio_of(unit, value(fer), value(lin[l]))
                    if r is not None:
                        row["ratio"][l] = r
            r = row["ratio"].get(BASE)
            if r is not None:
                row["better"] = ("same" if abs(r - 1) < SAME else "Ferry" if r < 1 else "Linux")
                if row["goal"] is not None:
                    row["met"] = r <= row["goal"]
            return row

        for n in names:
            unit = units.get(n, "ns")
            row = make_row(n, unit, summary(runs["ferry"][mode], n),
                           {l: summary(runs[l][mode], n) for l in LINUX})
            rows.append(row)
        for fer_name, lin_name in COMPARE:
            fer = summary(runs["ferry"][mode], fer_name)
            lin = {l: summary(runs[l][mode], lin_name) for l in LINUX}
            if value(fer) is None or not any(value(v) is not None for v in lin.values()):
                continue
            if any(value(summary(runs[l][mode], fer_name)) is not None for l in LINUX):
                continue  # Linux has a figure of its own
            row = make_row("{} vs {}".format(fer_name, lin_name), units.get(fer_name, "ns"), fer, lin)
            row["compare"] = [fer_name, lin_name]
            rows.append(row)
        out["measures"][mode] = {
            "title": title,
            "comparable": comparable,
            "settings": sets,
            "sides": {side: side_info(runs[side][mode]) for side in SIDES},
            "rows": rows,
            "flatness": flatness(runs, mode),
        }
    out["problems"] = check(runs, progs, sides)
    out["unsupported"] = {}
    for side in sides:
        for mode in MEASURES:
            for r in runs[side][mode]:
                for name, why in r["unsupported"].items():
                    out["unsupported"].setdefault(TITLE[side], {})[name] = why
    return out


def flatness(runs, mode):
    """Cost per message at 16 MiB over that at 4 KiB, for each way of moving it."""
    res = {}
    for side, prefix in (("ferry", "msg"), ("ferry", "pipemsg"), ("linux-lean", "pipemsg"),
                         ("linux-lean", "vmsplice"), ("linux-default", "pipemsg"),
                         ("linux-default", "vmsplice")):
        small = value(summary(runs[side][mode], prefix + "_4k"))
        sizes = {s: value(summary(runs[side][mode], "{}_{}".format(prefix, s)))
                 for s in ("64k", "1m", "16m")}
        if small and all(sizes.values()):
            res["{} {}".format(TITLE[side], prefix)] = {s: v / small for s, v in sizes.items()}
    return res


def side_info(side_runs):
    if not side_runs:
        return None
    h, m = side_runs[0]["host"], side_runs[0]["meta"]
    return {
        "boots": len(side_runs),
        "finished": sum(r["done"] for r in side_runs),
        "kernel": h.get("kernel"),
        "cpu": h.get("cpu"),
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


def fmt(v, unit, mode, kind=None):
    if unit == "spread":
        return "{:.3f}".format(v)
    if mode.startswith("icount") and unit == "ns" and kind != "virtual":
        if v >= 1e9:
            return "{:.2f} G".format(v / 1e9)
        if v >= 1e6:
            return "{:.1f} M".format(v / 1e6)
        return "{:,.0f}".format(v)
    if unit == "ns":
        for scale, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1, "ns")):
            if v >= scale or scale == 1:
                return "{} {}".format(sig3(v / scale), name)
    if unit == "ms":
        return "{} s".format(sig3(v / 1000)) if v >= 1000 else "{} ms".format(sig3(v))
    return sig3(v)


def fmt_ratio(r):
    return "{:.2g}".format(r) if r < 0.1 else "{:.2f}".format(r) if r < 10 else "{:.0f}".format(r)


def unit_label(unit, mode, kind=None):
    if kind == "virtual":
        return "virtual time"
    if mode.startswith("icount"):
        return {"ns": "instr./op", "MB/s": "bytes/kinstr", "ms": "ms", "spread": "spread"}[unit]
    return {"ns": "time/op", "MB/s": "MB/s", "ms": "time", "spread": "spread"}[unit]


def cell(s, unit, mode, kind=None):
    if not s:
        return "—"
    if "unsupported" in s:
        return "not supported"
    text = fmt(s["median"], unit, mode, kind)
    if s["runs"] > 1:
        text += " ({}–{})".format(fmt(s["min"], unit, mode, kind), fmt(s["max"], unit, mode, kind))
    return text


def markdown(rep):
    lines = ["# Ferry and Linux, side by side", ""]
    lines.append("Same QEMU virtual machine for all; ratio = " + rep["ratio"] + ". "
                 "Two Linux configurations: **lean** (`-cpu max,erms=off,fsrm=off`, "
                 "`init_on_alloc=0 randomize_kstack_offset=off mitigations=off`), the baseline "
                 "that \"better\" and the goals are judged against, and **default** (Debian's "
                 "command line on `-cpu max`). Ferry always runs on the lean CPU.")
    if rep["ferry_status"]:
        lines += ["", "> " + rep["ferry_status"]]
    notes = {
        "icount": "A guest nanosecond is one executed instruction, and QEMU counts every "
                  "iteration of a `rep` string instruction (zeroing 4 KiB with `rep stosb` "
                  "counts 4096, with `rep stosq` 512). Rows marked \"virtual time\" wait for "
                  "the disk: the guest clock jumps while it waits.",
        "wall": "Host time under TCG: noisy, and slowed by any other load on the host.",
    }
    for mode, m in rep["measures"].items():
        lines += ["", "## " + m["title"], "", notes[mode], ""]
        for side in SIDES:
            info = m["sides"][side]
            if info:
                lines.append("- {}: {} boot(s), {} finished; kernel {}; CPU `{}`{}{}".format(
                    TITLE[side], info["boots"], info["finished"], info["kernel"], info["cpu"],
                    "; command line `{}`".format(info["cmdline"]) if info["cmdline"] else "",
                    "; clocksource {}".format(info["clocksource"]) if info["clocksource"] else ""))
                lines.append("  - QEMU: {}; `{}`".format(info["qemu"], info["flags"]))
                if mode == "wall" and info["host_load"]:
                    lines.append("  - host load average at each boot: " + "; ".join(info["host_load"]))
                if info["failed_programs"]:
                    lines.append("  - programs that failed: " + ", ".join(info["failed_programs"]))
            else:
                lines.append("- {}: no results".format(TITLE[side]))
        lines += ["", "| benchmark | unit | Ferry | Linux lean | Linux default | Ferry/lean | "
                  "Ferry/default | better (vs lean) | goal |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
        for r in m["rows"]:
            ratios = [fmt_ratio(r["ratio"][l]) if l in r["ratio"] else "—" for l in LINUX]
            goal = ""
            if r["goal"] is not None:
                goal = "≤ {:g}".format(r["goal"])
                if "met" in r:
                    goal += " met" if r["met"] else " **missed**"
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                r["name"], unit_label(r["unit"], mode, r["kind"]),
                cell(r["ferry"], r["unit"], mode, r["kind"]),
                cell(r["linux-lean"], r["unit"], mode, r["kind"]),
                cell(r["linux-default"], r["unit"], mode, r["kind"]),
                ratios[0], ratios[1], r["better"] or "—", goal))
        if m["flatness"]:
            lines += ["", "Cost of one message as it grows, relative to a 4 KiB message "
                      "(flat is 1.0 throughout):", "",
                      "| how | 64 KiB | 1 MiB | 16 MiB |", "| --- | ---: | ---: | ---: |"]
            for how, f in m["flatness"].items():
                lines.append("| {} | {:.2f} | {:.2f} | {:.2f} |".format(how, f["64k"], f["1m"], f["16m"]))
    if rep["unsupported"]:
        lines += ["", "## Not supported (expected: the kernel lacks the feature)", ""]
        for side, names in rep["unsupported"].items():
            whys = {}
            for name, why in sorted(names.items()):
                whys.setdefault(why, []).append(name)
            lines.append("- {}: {}".format(side, "; ".join(
                "{} {}".format(", ".join(n), w) for w, n in whys.items())))
    lines += ["", "## Problems", ""]
    if rep["problems"]:
        lines += ["- " + p for p in rep["problems"]]
    else:
        lines.append("None: every boot finished and every program gave all its figures.")
    lines += ["", "Chart of the ratios: `chart.svg`. Generated " + rep["generated"] + "."]
    return "\n".join(lines) + "\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(rep):
    """Horizontal bars of log2(Ferry / lean Linux) around 1, one panel per
    measure; a black tick marks Ferry / default Linux."""
    width, label_w, bar_w, row_h, span = 800, 270, 480, 18, 4.0  # span: log2 1/16 .. 16
    parts, y = [], 10
    x0 = label_w + bar_w / 2

    def xpos(ratio):
        return x0 + max(-span, min(span, math.log2(ratio))) / span * (bar_w / 2)

    parts.append('<text x="10" y="{}" font-size="15" font-weight="bold">Ferry / lean Linux '
                 '(below 1: Ferry faster; log scale; tick: Ferry / default Linux)</text>'
                 .format(y + 14))
    y += 30
    for mode, m in rep["measures"].items():
        rows = [r for r in m["rows"] if r["ratio"]]
        parts.append('<text x="10" y="{}" font-size="13" font-weight="bold">{}</text>'.format(
            y + 12, esc(m["title"].replace("`", ""))))
        y += 22
        if not rows:
            why = rep["ferry_status"] or "no results from Ferry and Linux with the same settings"
            parts.append('<text x="20" y="{}" font-size="12" fill="#555">No ratios: {}</text>'
                         .format(y + 12, esc(why)))
            y += 28
            continue
        top = y
        for r in rows:
            parts.append('<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>'.format(
                label_w - 8, y + 13, esc(r["name"])))
            lean = r["ratio"].get(BASE)
            if lean is not None:
                x1, x2 = sorted((x0, xpos(lean)))
                color = "#2a7" if lean < 1 else "#c44"
                parts.append('<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}"/>'.format(
                    x1, y + 3, max(x2 - x1, 1), row_h - 6, color))
                # The figure goes past the bar's end, or beside the axis when clipped.
                right = lean >= 1
                if abs(math.log2(lean)) > span:
                    right = not right
                    tx = x0 + (4 if right else -4)
                else:
                    tx = xpos(lean) + (4 if right else -4)
                parts.append('<text x="{:.1f}" y="{}" font-size="11" text-anchor="{}">{}</text>'
                             .format(tx, y + 13, "start" if right else "end", fmt_ratio(lean)))
            dflt = r["ratio"].get("linux-default")
            if dflt is not None:
                x = xpos(dflt)
                parts.append('<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}" stroke="#000" '
                             'stroke-width="2"/>'.format(x, y + 1, x, y + row_h - 1))
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
    if rep["problems"]:
        print("\nbench: FAILED: {} problem(s):".format(len(rep["problems"])))
        for p in rep["problems"]:
            print("  " + p)
        sys.exit(1)


if __name__ == "__main__":
    main()
