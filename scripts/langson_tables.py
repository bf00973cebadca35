#!/usr/bin/env python3
"""Regenerates the tables of networks/langson/README.md from lsflow runs.

Each table sits between
    <!-- BEGIN generated:NAME by scripts/langson_tables.py -->
    <!-- END generated:NAME -->
markers and is made only from what the lsflow binary computes on the shipped files: the findings of
every shipped scenario (`lsflow run`), their ranges under the model's assumptions (`lsflow sensitivity`),
the export limits with theirs (`lsflow sensitivity --study hosting`), the N-1 check of the 2030
reinforcement plan, and the calibration of the 2021 base year from a year of hours (`lsflow timeseries`).

    scripts/langson_tables.py --write            # rewrite the README's tables
    scripts/langson_tables.py --check            # exit 1 (and a diff) when the README differs
    scripts/langson_tables.py --lsflow PATH ...  # a binary other than build/cli/lsflow

tests/CMakeLists.txt runs --check, so a change to the model or the solver that moves a figure fails the
tests until the README is regenerated (and re-read: the prose around the tables may need it too).
"""
import argparse
import difflib
import json
import math
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANGSON = ROOT / "networks" / "langson"
README = LANGSON / "README.md"
PROFILES = LANGSON / "profiles" / "langson-2021.csv"

SCENARIOS = [
    "base-peak", "base-light", "growth-2030-peak", "growth-2030-light", "growth-2030-peak-unreinforced",
    "naduong2-in", "naduong2-out", "wind-0-peak", "wind-0-light", "wind-1444-light-cf30", "wind-1444-light",
    "wind-1444-peak", "wind-1444-light-grid220", "wind-3570-light-cf30", "wind-3570-light", "wind-3570-peak",
    "wind-4696-light-cf30", "wind-4696-light", "wind-4696-peak", "horizon-2025-peak", "horizon-2035-peak",
    "wet-night-2030",
]
SENSITIVITY_CASES = ["base-peak", "growth-2030-peak", "wind-1444-light-cf30", "wind-1444-light-grid220",
                     "wind-3570-light-cf30", "wind-4696-light-cf30"]
EXPORT_CASES = ["wind-1444-light-grid220", "wind-3570-light-cf30"]
CURTAIL_CASES = ["wind-1444-light-cf30", "wind-1444-light-grid220", "wind-3570-light-cf30", "wind-4696-light-cf30"]


def lsflow(binary, *args, ok=(0, 3)):
    p = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit(f"lsflow {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


def scenario_path(name):
    return f"networks/langson/scenarios/{name}.yaml"


def mw(x):
    return f"{x:,.0f}"


def fmt_pct(x):
    return f"{x:.0f} %"


def tie_text(import_mw):
    return f"import {mw(import_mw)}" if import_mw >= 0 else f"export {mw(-import_mw)}"


def n1_count(n1):
    return n1["with_violations"] + n1["not_converged"] + n1["no_supply"]


def worst_n1_overload(n1):
    best = None
    for f in n1.get("worst", []):
        if f["what"] == "overload" and (best is None or f["value"] > best["value"]):
            best = f
    if best is None:
        return ""
    return f"`{best['element']}` {fmt_pct(best['value'])} with `{best['contingency']}` out"


def failure_text(j):
    diag = " ".join(f.get("diagnosis", "") for f in j["convergence"].get("failures", []))
    m = re.search(r"scaled to ([0-9.]+) %", diag)
    kind = ("export-limited" if "export-limited" in diag else
            "import-limited (the load too high for the network)" if "load is too high" in diag else "no solution")
    return f"{kind}: solves up to {m.group(1)} % of its generation and load" if m else kind


def findings_table(binary):
    rows = ["| scenario | converged | tie (MW) | losses (MW) | worst (N-0) | N-0 | N-1 | worst N-1 overload |",
            "|---|---|---|---|---|---|---|---|"]
    for name in SCENARIOS:
        j = json.loads(lsflow(binary, "run", scenario_path(name), "--format", "json").stdout)
        if not j["convergence"]["converged"]:
            rows.append(f"| `{name}` | **no** | — | — | — | — | — | {failure_text(j)} |")
            continue
        worst = max((e for e in j["elements"] if e.get("loading_pct") is not None),
                    key=lambda e: e["loading_pct"])
        n1 = j["n1"]
        rows.append(f"| `{name}` | yes | {tie_text(j['exchange']['import_mw'])} | {j['balance']['losses_mw']:.1f} | "
                    f"`{worst['name']}` {fmt_pct(worst['loading_pct'])} | {len(j['overloads'])} / "
                    f"{len(j['voltage_violations'])} | {n1_count(n1)} of {n1['contingencies']} | {worst_n1_overload(n1)} |")
    return "\n".join(rows)


def value_text(f, v):
    if v is None:
        return "—"
    if f["unit"] == "pu":
        return f"{v:.3f} pu"
    if f["unit"] == "%":
        return f"{v:.0f} %"
    if f["unit"] == "MW":
        return f"{v:,.0f} MW"
    return f"{v:.0f}"


def range_text(f):
    if f["min"] is None:
        return "—"
    lo, hi = value_text(f, f["min"]), value_text(f, f["max"])
    return lo if lo == hi else f"{lo} … {hi}"


def flips_text(f):
    return "; ".join(f"{x['assumption']} = {x['alternatives']}" for x in f["flipped_by"]) or "none (holds)"


def sensitivity_table(binary):
    rows = ["| scenario | finding | baseline | range over the alternatives | present in | flipped by |",
            "|---|---|---|---|---|---|"]
    for name in SENSITIVITY_CASES:
        j = json.loads(lsflow(binary, "sensitivity", scenario_path(name), "--format", "json", "--no-progress").stdout)
        n = len(j["variants"])
        picked = []
        worst_n1 = None
        for f in j["findings"]:
            k = f["key"]
            if not f["status"]:
                if k.startswith("net import"):
                    picked.append(f)
                continue
            if k.startswith("N-0") or k == "N-1 not secure" or k.startswith("not converged"):
                picked.append(f)
            elif k.startswith("N-1 overload") and f["in_baseline"] and (worst_n1 is None or f["baseline"] > worst_n1["baseline"]):
                worst_n1 = f
        if worst_n1:
            picked.insert(0, worst_n1)
        seen = set()
        for f in sorted(picked, key=lambda f: (not f["status"], not f["in_baseline"], f["key"])):
            # Twin circuits say the same thing: one row for the pair.
            key = re.sub(r"_c[12]\b", "_c1/c2", f["key"])
            if key in seen:
                continue
            seen.add(key)
            label = "net import over the tie (export < 0)" if not f["status"] else key
            base = value_text(f, f["baseline"]) if f["in_baseline"] or not f["status"] else "absent"
            present = f"{f['present_in']}/{n}" if f["status"] else ""
            flips = flips_text(f) if f["status"] else (f"moved most by {f['moved_most_by']}" if f["moved_most_by"] else "")
            rows.append(f"| `{name}` | {label} | {base} | {range_text(f)} | {present} | {flips} |")
    return "\n".join(rows)


def export_table(binary):
    rows = ["| case | limit | baseline | range over the alternatives | moved most by |", "|---|---|---|---|---|"]
    for name in EXPORT_CASES:
        j = json.loads(lsflow(binary, "sensitivity", scenario_path(name), "--study", "hosting", "--format", "json",
                              "--no-progress").stdout)
        for f in j["findings"]:
            if f["key"] not in ("wind fleet N-0", "wind fleet N-1", "export at the fleet's N-0 limit",
                                "export at the fleet's N-1 limit"):
                continue
            rows.append(f"| `{name}` | {f['key']} | {value_text(f, f['baseline'])} | {range_text(f)} | "
                        f"{f['moved_most_by'] or '—'} |")
    return "\n".join(rows)


def reinforcement_n1(binary):
    j = json.loads(lsflow(binary, "run", scenario_path("growth-2030-peak"), "--format", "json").stdout)
    n1 = j["n1"]
    over = [f for f in n1["worst"] if f["what"] == "overload"]
    lost = [f for f in n1["worst"] if f["what"] == "load lost"]
    low = [f for f in n1["worst"] if f["what"] in ("undervoltage", "overvoltage")]
    by_element = {}
    for f in over:
        e = re.sub(r" (HV|MV|LV)$", "", f["element"])
        if e not in by_element or f["value"] > by_element[e]["value"]:
            by_element[e] = f
    lines = [f"`lsflow run networks/langson/scenarios/growth-2030-peak.yaml`: {n1_count(n1)} of {n1['contingencies']} "
             f"contingencies cause a new or worsened violation or lose load; {len(over)} post-contingency overloads "
             f"(element, winding and contingency), {len(low)} buses out of the N-1 band, {len(lost)} outages that "
             f"lose load (at most {n1['lost_load_mw_max']:.0f} MW). The overloaded elements, worst case each:", ""]
    lines += ["| element | worst loading | with out |", "|---|---|---|"]
    for e, f in sorted(by_element.items(), key=lambda kv: -kv[1]["value"]):
        lines.append(f"| `{e}` | {fmt_pct(f['value'])} | `{f['contingency']}` |")
    return "\n".join(lines)


def curtailment_table(binary):
    rows = ["| case | wind on offer | curtailed, N-0 | curtailed, N-1 secure | binding (N-0) | left: no farm relieves it (N-1) |",
            "|---|---|---|---|---|---|"]
    for name in CURTAIL_CASES:
        c0 = json.loads(lsflow(binary, "run", scenario_path(name), "--curtail", "n0", "--format", "json").stdout)["curtailment"]
        c1 = json.loads(lsflow(binary, "run", scenario_path(name), "--curtail", "n1", "--format", "json").stdout)["curtailment"]
        binding = sorted({re.sub(r"_c[12]$", "_c1/c2", b) for b in c0["binding"]})
        left = sorted({re.sub(r" (HV|MV|LV) with", " with", x).replace(" (no wind farm relieves it)", "") for x in c1["remaining"]})
        rows.append(f"| `{name}` | {mw(c0['wind_before_mw'])} MW | {mw(c0['curtailed_mw'])} MW | {mw(c1['curtailed_mw'])} MW | "
                    f"{', '.join(f'`{b}`' for b in binding) or '—'} | {'; '.join(left) or '—'} |")
    return "\n".join(rows)


def year_text(binary):
    p = lsflow(binary, "timeseries", scenario_path("wind-1444-peak"), "--profiles", str(PROFILES.relative_to(ROOT)),
               "--curtail", "--format", "json", "--no-progress")
    j = json.loads(p.stdout)
    c, v = j["curtailment"], j["violations"]
    binding = []
    for b in sorted(c["binding"], key=lambda b: -b["hours"]):
        e = re.sub(r"_c[12]$", "_c1/c2", b.get("element") or b.get("bus") + " (voltage)")
        if all(e != x[0] for x in binding):
            binding.append((e, b["hours"]))
    farms = sorted(c["farms"], key=lambda f: -f["curtailed_mwh"])
    rev = j["reverse_flow"][0] if j["reverse_flow"] else None
    lines = [
        f"`lsflow timeseries networks/langson/scenarios/wind-1444-peak.yaml --profiles networks/langson/profiles/langson-2021.csv "
        f"--curtail` (the national plan on the 110 kV grid, the 2021-shaped profiles, 8,760 hours): of "
        f"{c['wind_available_mwh'] / 1000:,.0f} GWh of wind on offer, **{c['curtailed_mwh'] / 1000:,.0f} GWh "
        f"({100 * c['curtailed_mwh'] / c['wind_available_mwh']:.1f} %) must be curtailed**, in {c['hours_curtailed']:,} hours, to "
        f"stay within the normal-operation limits; {v['hours_with_overload_uncurtailed']:,} hours have an overload before "
        f"curtailment. Binding hours: " + ", ".join(f"`{e}` {h:,} h" for e, h in binding[:4]) + ". The most curtailed "
        f"farm: `{farms[0]['generator']}` ({farms[0]['curtailed_mwh'] / 1000:,.0f} GWh). After curtailing, "
        f"{v['hours_with_overload']:,} hours still have an overload no wind farm relieves and "
        f"{v['hours_with_voltage_violation']:,} a bus outside its band"
        + (f"; reverse flow through `{rev['transformer']}` in {rev['hours']:,} hours (up to {rev['max_mw']:.0f} MW)." if rev else "."),
    ]
    return "\n".join(lines)


def calibration(binary):
    p = lsflow(binary, "timeseries", scenario_path("base-peak"), "--profiles", str(PROFILES.relative_to(ROOT)),
               "--format", "json", "--no-progress")
    j = json.loads(p.stdout)
    e = j["energy"]
    src = e["by_source"]
    gwh = lambda mwh: mwh / 1000.0
    load, losses = gwh(e["load_mwh"]), gwh(e["losses_mwh"])
    thermal, hydro, solar = (gwh(src.get(k, {}).get("energy_mwh", 0.0)) for k in ("thermal", "hydro", "solar"))
    gen = thermal + hydro + solar
    imp, exp_ = gwh(src["grid"]["import_mwh"]), gwh(src["grid"]["export_mwh"])
    nd_cf = 100.0 * thermal / (src["thermal"]["installed_mw"] * 8.760)
    sold = load * 0.95
    nd_needed = 910.0 - hydro - solar
    rows = [
        "| quantity (2021, a year of hours) | model | facts | note |",
        "|---|---|---|---|",
        f"| energy at the 35/22 kV busbars | {load:,.1f} GWh | — | the 2021 profiles on the 230 MW peak (load factor {load / (230 * 8.76):.3f}) |",
        f"| sold energy, busbars less 5 % MV/LV losses (assumption) | {sold:,.1f} GWh | 890 GWh in 2021 [S] | close by construction: the profiles' load factor was chosen for it |",
        f"| 110/220 kV losses | {losses:,.1f} GWh ({100 * losses / load:.1f} % of busbar energy) | — (no 110/220 kV figure in the facts) | from the run, hour by hour |",
        f"| generation in the province | {gen:,.1f} GWh (thermal {thermal:,.1f}, hydro {hydro:,.1f}, solar {solar:,.1f}) | 910 GWh \"điện sản xuất\" (2022 target [S]) | **{gen - 910:+,.0f} GWh**: Na Dương at {nd_cf:.0f} % capacity factor (100 MW every hour, the peak dispatch); 910 GWh would take ~{100 * nd_needed / (src['thermal']['installed_mw'] * 8.76):.0f} % |",
        f"| exchange with Bắc Giang | import {imp:,.1f}, export {exp_:,.1f} GWh (net {'export' if exp_ > imp else 'import'} {abs(exp_ - imp):,.1f}) | — | the tie carries both ways: night export of Na Dương's surplus |",
        f"| hours with a bus out of band | {j['violations']['hours_with_voltage_violation']} h | — | `lsflow timeseries ... --format text` names them |",
    ]
    return "\n".join(rows)


BLOCKS = {
    "findings": findings_table,
    "sensitivity": sensitivity_table,
    "export": export_table,
    "reinforcement-n1": reinforcement_n1,
    "curtailment": curtailment_table,
    "year": year_text,
    "calibration": calibration,
}


def regenerate(text, binary):
    for name, make in BLOCKS.items():
        pat = re.compile(r"(<!-- BEGIN generated:" + re.escape(name) + r" by scripts/langson_tables.py -->\n)(.*?)(<!-- END generated:"
                         + re.escape(name) + r" -->)", re.S)
        if not pat.search(text):
            sys.exit(f"{README}: no markers for the '{name}' table")
        body = make(binary)
        text = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lsflow", default=str(ROOT / "build" / "cli" / "lsflow"))
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    a = ap.parse_args()
    old = README.read_text(encoding="utf-8")
    new = regenerate(old, a.lsflow)
    if a.write:
        README.write_text(new, encoding="utf-8")
        print(f"{README.relative_to(ROOT)}: {'rewritten' if new != old else 'unchanged'}")
        return 0
    if new != old:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "README.md (committed)",
                                                   "README.md (from the runs)"))
        print(f"\n{README.relative_to(ROOT)} differs from what the runs give: run scripts/langson_tables.py --write "
              "and re-read the prose around the tables", file=sys.stderr)
        return 1
    print(f"{README.relative_to(ROOT)}: every generated table matches the runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
