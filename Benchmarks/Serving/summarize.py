"""Turns wrk --latency outputs into one markdown table row each.

usage: summarize.py LABEL CONNECTIONS WRK_OUTPUT_FILE
"""
import re
import sys

label, connections, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()


def seconds(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = seconds(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = seconds(re.search(r"\s99%\s+(\S+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in socket.groups()) if socket else 0)
print(f"| {label} | {connections} | {rate:.1f} | {p50 * 1e3:.1f} | {p99 * 1e3:.1f} | {errors} of {total} |")
