#!/usr/bin/env python3
"""The report of bench/replication-bench: reads the raw JSON results in $R, prints the markdown
table, the correctness summary and the ratios against the targets, writes the same as JSON to
$JSON_OUT (when set) and $R/results.json. Exit 1 unless every run delivered every record."""
import json
import os
import platform

env = os.environ
R = env["R"]
N = int(env["RECORDS"])
SIZE = int(env["SIZE"])
VERIFY = bool(env.get("VERIFY"))
SKIP_MM2 = bool(env.get("SKIP_MM2"))


def load(name):
    try:
        with open(os.path.join(R, name + ".json")) as f:
            return json.loads(f.read() or "null")
    except (OSError, ValueError):
        return None


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": int(env["NPROC"]),
        "cpu_model": model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "load_before": env.get("LOAD_BEFORE", ""),
        "load_after": env.get("LOAD_AFTER", ""),
    }


def limit_row(name):
    d = load(name)
    if not d:
        return {"ok": False}
    return {
        "ok": True,
        "records": d["records"],
        "seconds": d["seconds"],
        "records_per_s": d["records_per_s"],
        "mb_per_s": d["mb_per_s"],
        "cpu_s": d["cpu_s"],
        "cpu_s_per_m": d["cpu_s"] / d["records"] * 1e6,
        "peak_rss_mb": d["peak_rss_kb"] / 1024,
    }


def replicator_row(name):
    w, v, lat, ex = (load(name + s) for s in (".watch", ".verify", ".lat", ".exit"))
    problems = []
    if not w:
        return {"ok": False, "problems": ["no copy figures"]}
    if not w["ok"]:
        problems.append(f"target holds {w['count']} of {N} records")
    if VERIFY and not (v and v["ok"]):
        problems.append("verify: " + (json.dumps(v) if v else "not run"))
    if not (lat and lat["ok"]):
        problems.append("latency run: " + (f"{lat['lost']} records lost" if lat else "failed"))
    window, copied = w["window_s"], w["window_records"]
    if not w["ok"]:  # no throughput figures for a copy that did not complete
        rps = cpu = per = None
    elif window > 0 and copied > 0:
        rps, cpu, per = copied / window, w["cpu_window_s"], w["cpu_window_s"] / copied * 1e6
    else:  # everything arrived before the first poll: whole-life figures
        rps = N / w["done_s"] if w["done_s"] > 0 else 0
        cpu, per = w["cpu_total_s"], w["cpu_total_s"] / N * 1e6
    row = {
        "ok": not problems,
        "problems": problems,
        "records": N,
        "count": w["count"],
        "records_per_s": rps,
        "mb_per_s": rps * SIZE / 1e6 if rps is not None else None,
        "cpu_s": cpu,
        "cpu_s_per_m": per,
        "peak_rss_mb": w["peak_rss_kb"] / 1024,
        "threads": w["threads"],
        "start_s": w["start_s"],
        "done_s": w["done_s"],
        "window_s": window,
        "cpu_total_s": w["cpu_total_s"],
        "exit_on_sigterm": ex["exit"] if ex else None,
    }
    if lat:
        row.update({k: lat[k] for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")})
        row["latency"] = lat
    if v:
        row["verify"] = v
    return row


rows = {
    "limit-consume": limit_row("limit-consume"),
    "limit-produce": limit_row("limit-produce"),
}
for row_name, file in (("broker-latency", "lat-baseline"), ("broker-latency-B", "lat-baseline-b")):
    base = load(file)
    rows[row_name] = {"ok": bool(base and base["ok"]), "latency": base}
    if base:
        rows[row_name].update({k: base[k] for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")})
replicators = ["tandem-identity", "tandem-prefix"] + ([] if SKIP_MM2 else ["mm2"])
for name in replicators:
    rows[name] = replicator_row(name)


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


cols = [
    ("records/s", "records_per_s", 0), ("MB/s", "mb_per_s", 1), ("CPU s", "cpu_s", 2),
    ("CPU s / M rec", "cpu_s_per_m", 2), ("peak RSS MB", "peak_rss_mb", 1),
    ("p50 ms", "p50_ms", 2), ("p99 ms", "p99_ms", 2), ("start s", "start_s", 1),
    ("CPU s incl. start", "cpu_total_s", 2),
]
lines = ["| run | " + " | ".join(c[0] for c in cols) + " |",
         "|---|" + "---:|" * len(cols)]
for name, row in rows.items():
    lines.append(f"| {name} | " + " | ".join(fmt(row.get(k), d) for _, k, d in cols) + " |")
table = "\n".join(lines)


def get(name, key):
    r = rows.get(name) or {}
    return r.get(key)


ratios = []
limit = None
if get("limit-consume", "records_per_s") and get("limit-produce", "records_per_s"):
    limit = min(get("limit-consume", "records_per_s"), get("limit-produce", "records_per_s"))
for t in ("tandem-identity", "tandem-prefix"):
    def ratio(what, value, target, higher_is_better):
        met = None if value is None else (value >= target if higher_is_better else value <= target)
        ratios.append({"run": t, "ratio": what, "value": value, "target": target,
                       "op": ">=" if higher_is_better else "<=", "met": met})

    mm2_per, t_per = get("mm2", "cpu_s_per_m"), get(t, "cpu_s_per_m")
    ratio("records per CPU-second, tandem / MM2",
          mm2_per / t_per if mm2_per and t_per else None, 5.0, True)
    rps = get(t, "records_per_s")
    ratio("records/s, tandem / min(consume-only, produce-only)",
          rps / limit if rps and limit else None, 0.85, True)
    mm2_rss, t_rss = get("mm2", "peak_rss_mb"), get(t, "peak_rss_mb")
    ratio("peak RSS, tandem / MM2", t_rss / mm2_rss if t_rss and mm2_rss else None, 0.10, False)
    bp99, tp99 = get("broker-latency", "p99_ms"), get(t, "p99_ms")
    ratio("p99 latency, tandem / brokers' own", tp99 / bp99 if tp99 and bp99 else None, 1.5, False)

rlines = ["| run | ratio | value | target | met |", "|---|---|---:|---:|---|"]
for r in ratios:
    val = "–" if r["value"] is None else f"{r['value']:.2f}"
    met = "n/a" if r["met"] is None else ("yes" if r["met"] else "NO")
    rlines.append(f"| {r['run']} | {r['ratio']} | {val} | {r['op']} {r['target']} | {met} |")
ratio_table = "\n".join(rlines)

failed = [f for f in env.get("FAILED_LIST", "").split() if f]
delivery = []
for name in replicators:
    row = rows[name]
    if row["ok"]:
        how = "verified: each once, on its partition" if VERIFY else "target high watermarks"
        delivery.append(f"- {name}: all {N} records delivered ({how}); latency run lost 0")
    else:
        delivery.append(f"- {name}: FAILED: " + "; ".join(row.get("problems", [])))
for name in ("limit-consume", "limit-produce", "broker-latency", "broker-latency-B"):
    if not rows[name]["ok"]:
        delivery.append(f"- {name}: FAILED")
ok = not failed and all(rows[n]["ok"] for n in rows)

phases = {}
with open(os.path.join(R, "phases.txt")) as f:
    for line in f:
        k, v = line.split()
        phases[k] = int(v)
mach = machine()
# Other work on the machine makes every figure noisy: flag it when the 1-minute load average
# before the run (before anything of ours started) was above half the cores.
try:
    busy = float(mach["load_before"].split()[0]) > 0.5 * mach["nproc"]
except (ValueError, IndexError):
    busy = False
mach["busy"] = busy
settings = {
    "records": N, "size": SIZE, "partitions": int(env["PARTITIONS"]),
    "latency_rate": int(env["RATE"]), "latency_seconds": int(env["SECS"]),
    "latency_warmup_s": float(env["WARMUP"]), "mm2_tasks_max": mach["nproc"],
    "mm2_heap": env.get("MM2_HEAP"), "smoke": bool(env.get("SMOKE")), "verify": VERIFY,
}
versions = {"tandem": env.get("GIT_REV"), "build_type": env.get("BUILD_TYPE"),
            "kafka": env.get("KAFKA_VERSION"), "librdkafka": env.get("RDKAFKA_VERSION")}

print()
print(f"## replication-bench: {N:,} records x {SIZE} B, 6 partitions, A -> B"
      + (" (SMOKE: correctness only, figures meaningless)" if settings["smoke"] else ""))
print()
print(f"command: `{env.get('COMMAND_LINE')}`  ")
print(f"machine: {mach['nproc']} x {mach['cpu_model']}, {mach['memory_gib']} GiB; "
      f"load average before {mach['load_before']}, after {mach['load_after']}  ")
print(f"versions: tandem {versions['tandem']} ({versions['build_type']}), Kafka {versions['kafka']}, "
      f"librdkafka {versions['librdkafka']}  ")
if busy:
    print(f"**WARNING: the machine was busy before the run (load average {mach['load_before']} on "
          f"{mach['nproc']} cores): these figures are noisy, preliminary at best.**  ")
print(f"latency: {settings['latency_rate']:,} records/s offered for {settings['latency_seconds']} s "
      f"(after {settings['latency_warmup_s']:g} s warm-up), source timestamp -> arrival on B")
print()
print(table)
print()
print(ratio_table)
print()
print("\n".join(delivery))
print()
print("phases (s): " + ", ".join(f"{k} {v}" for k, v in phases.items())
      + f"; total {env.get('TOTAL_S')}")
print("RESULT: " + ("OK, every run delivered every record" if ok else
                    "FAILED: " + ", ".join(failed or ["see above"])))

doc = {"ok": ok, "command": env.get("COMMAND_LINE"), "settings": settings, "machine": mach,
       "versions": versions, "rows": rows, "ratios": ratios, "phases_s": phases,
       "total_s": int(env.get("TOTAL_S", 0)), "failed": failed, "markdown": table,
       "ratios_markdown": ratio_table, "preload": load("preload")}
for path in filter(None, [env.get("JSON_OUT"), os.path.join(R, "results.json")]):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
raise SystemExit(0 if ok else 1)
