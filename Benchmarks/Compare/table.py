"""Reads the tab-separated lines of engine-benchmark --tsv and peers.py from standard
input and prints one Markdown table: per model, threads and batch, each engine's median
latency and images/s, and ours as a ratio to each peer (latency ours/peer: below 1 is
faster; images/s ours/peer: above 1 is faster). Then, per setting, how many of our
convolutions the calibration put on each path."""
import sys
from collections import Counter, defaultdict

rows = defaultdict(dict)
paths = defaultdict(Counter)
engines = []
for line in sys.stdin:
    parts = line.rstrip("\n").split("\t")
    if len(parts) == 7 and parts[0] == "choice":
        paths[(parts[1], int(parts[2]), int(parts[3]))][parts[5]] += 1
        continue
    if len(parts) != 5:
        continue
    engine, model, threads, batch, ms = parts
    rows[(model, int(threads), int(batch))][engine] = float(ms)
    if engine not in engines:
        engines.append(engine)
peers = [e for e in engines if e != "ours"]

header = ["model", "threads", "batch"] + [f"{e} ms (images/s)" for e in engines]
header += [f"ours/{p} latency" for p in peers] + [f"ours/{p} images/s" for p in peers]
print("| " + " | ".join(header) + " |")
print("| --- | ---: | ---: |" + " ---: |" * (len(header) - 3))
for (model, threads, batch), times in rows.items():
    cells = [model, str(threads), str(batch)]
    for e in engines:
        cells.append(f"{times[e]:.1f} ({batch * 1000 / times[e]:.1f})" if e in times else "–")
    for p in peers:
        cells.append(f"{times['ours'] / times[p]:.2f}×" if "ours" in times and p in times else "–")
    for p in peers:
        cells.append(f"{times[p] / times['ours']:.2f}×" if "ours" in times and p in times else "–")
    print("| " + " | ".join(cells) + " |")

if paths:
    print()
    print("| model | threads | batch | convolutions by path (calibrated) |")
    print("| --- | ---: | ---: | --- |")
    for (model, threads, batch), counts in paths.items():
        summary = ", ".join(f"{path} {count}" for path, count in sorted(counts.items()))
        print(f"| {model} | {threads} | {batch} | {summary} |")
