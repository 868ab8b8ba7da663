#!/usr/bin/env python3
"""Summarises a JFR recording of a bitswitch run by where the time goes (docs/PERFORMANCE.md).

Usage: experiments/profile-summary.py RECORDING.jfr [--top N]

Reads jdk.ExecutionSample (threads in Java code; JFR's "profile" settings take up to 5 every
10 ms) and jdk.NativeMethodSample (threads in native code; one thread every 20 ms, round robin over
the threads in native code, so a busy native thread is seen only every few periods) through the
JDK's `jfr print`. Each sample therefore stands for the time since the previous sample of the same
thread (capped at CAP_S: a thread that was parked between two samples is not sampled at all), not
for a fixed period. Threads waiting in native code (socket/epoll/sleep waits) are idle, not work,
and left out. Each remaining sample goes to the first category whose rule matches a frame, scanning
from the top of the stack. Prints a Markdown table of the time per category for the Spark executor
task threads, the driver's main thread and the rest, then the hottest top frames of the executors,
then the garbage collections (jdk.GarbageCollection: count, summed pauses, causes), during whose
pauses no thread is sampled.
"""
import collections
import re
import subprocess
import sys

PERIOD_MS = {"jdk.ExecutionSample": 10, "jdk.NativeMethodSample": 20}
# Longest stretch one sample may stand for (seconds): longer gaps are a parked thread, not work.
CAP_S = 0.2

# Threads parked in native code are sampled too; these top frames are waits, not work.
IDLE_TOP = re.compile(
    r"(EPoll\.wait|epollWait|EPollArrayWrapper|socketAccept|socketRead|SocketDispatcher\.read|Net\.accept|Net\.poll|"
    r"Thread\.sleep|Object\.wait|Unsafe\.park|FileDispatcherImpl\.read|ProcessHandleImpl\.waitForProcessExit|"
    r"ReferenceQueue|Reference\.waitForReferencePendingList|Inflater|Signal\.dispatch)"
)

# (category, frame pattern); the first frame from the top of the stack that matches decides.
RULES = [
    ("Double-Rounding and activation fake-quant loops",
     re.compile(r"^io\.bitswitch\.quant\.(DoubleRounding|ActivationQuantizer|VectorKernels)")),
    ("Array copies between float[] and ND4J",
     re.compile(r"^(io\.bitswitch\.model\.(NdArrays|ParamLayout)\.|org\.nd4j\.linalg\.api\.buffer\.|"
                r"java\.nio\.|jdk\.internal\.misc\.Unsafe\.copy|org\.bytedeco\.javacpp\.Pointer\.memcpy|"
                r"io\.bitswitch\.model\.QuantizedGraph\.(features|oneHot)|"
                r"io\.bitswitch\.train\.MultiPrecisionTrainer\.gather)")),
    ("Adam (driver)", re.compile(r"^io\.bitswitch\.train\.Adam(Kernel)?\.")),
    ("Driver aggregation (gradient sums, mean, BatchNorm statistics)",
     re.compile(r"^io\.bitswitch\.(train\.PassSums\.|train\.MultiPrecisionTrainer\.mean|"
                r"model\.QuantizedGraph\.updateBatchNormStatistics)")),
    ("Kryo / Java serialisation, broadcast",
     re.compile(r"^(com\.esotericsoftware\.|com\.twitter\.chill\.|org\.apache\.spark\.serializer\.|"
                r"java\.io\.Object(Output|Input)Stream|org\.apache\.spark\.broadcast\.|net\.jpountz\.|"
                r"com\.github\.luben\.zstd\.|org\.xerial\.snappy\.|org\.apache\.spark\.io\.)")),
    ("DL4J native compute (libnd4j/oneDNN)",
     re.compile(r"^(org\.nd4j\.linalg\.cpu\.nativecpu\.bindings\.|org\.bytedeco\.)")),
    ("DL4J/ND4J Java-side (op setup, workspaces, graph bookkeeping)",
     re.compile(r"^(org\.nd4j\.|org\.deeplearning4j\.)")),
    ("bitswitch other (trainPass/load bookkeeping, data slices)", re.compile(r"^io\.bitswitch\.")),
    ("Spark scheduling, RPC, task launch",
     re.compile(r"^(org\.apache\.spark\.|io\.netty\.|org\.sparkproject\.|scala\.)")),
]
OTHER = "Other (JVM, JDK, logging, JIT-less frames)"
NATIVE = "DL4J native compute (libnd4j/oneDNN)"
# The DL4J layer (and pass direction) a native sample works for: the nearest layer method below it.
LAYER_FRAME = re.compile(r"^org\.deeplearning4j\.nn\.layers\.(?:\w+\.)*?(\w+)\.(backpropGradient|activate|preOutput)")


def thread_group(name):
    if name.startswith("Executor task launch worker"):
        return "executor tasks"
    if name == "main":
        return "driver main"
    return "other threads"


def samples(recording):
    """Yields (event type, thread name, [frames top first]) from `jfr print`."""
    proc = subprocess.Popen(
        ["jfr", "print", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample", "--stack-depth", "64", recording],
        stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    event = thread = None
    when = 0.0
    frames = []
    in_stack = False
    for line in proc.stdout:
        s = line.strip()
        if s.endswith("{") and s.startswith("jdk."):
            event, thread, frames, in_stack = s[:-1].strip(), "", [], False
        elif s.startswith("startTime ="):
            m = re.match(r"startTime = (\d+):(\d+):(\d+(?:\.\d+)?)", s)
            when = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else 0.0
        elif s.startswith("sampledThread ="):
            m = re.match(r'sampledThread = "(.*)" \(javaThreadId', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
        elif in_stack:
            if s != "...":
                frames.append(s)
        elif s == "}" and event:
            yield event, thread, when, frames
            event = None
    if proc.wait() != 0:
        sys.exit("jfr print failed")


def method_of(frame):
    return frame.split("(")[0]


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    recording = args[0]
    top_n = int(args[args.index("--top") + 1]) if "--top" in args else 15
    groups = ["executor tasks", "driver main", "other threads"]
    busy = collections.defaultdict(lambda: collections.Counter())  # category -> group -> ms
    tops = collections.Counter()
    by_layer = collections.Counter()
    idle_ms = 0
    counts = collections.Counter()
    driver_counted = collections.Counter()  # category -> Java samples of the driver's main thread
    per_thread = collections.defaultdict(list)
    first = last = None
    for event, thread, when, frames in samples(recording):
        if not frames:
            continue
        counts[event] += 1
        per_thread[thread].append((when, event, frames))
        first = when if first is None else min(first, when)
        last = when if last is None else max(last, when)
    for thread, events in per_thread.items():
        events.sort(key=lambda e: e[0])
        group = thread_group(thread)
        previous = None
        for when, event, frames in events:
            # Midnight wraps the clock; treat it as one period.
            gap = PERIOD_MS[event] / 1000 if previous is None or when < previous else when - previous
            previous = when
            ms = 1000 * min(gap, CAP_S)
            if event == "jdk.NativeMethodSample" and IDLE_TOP.search(frames[0]):
                idle_ms += ms
                continue
            category = OTHER
            for frame in frames:
                name = method_of(frame)
                hit = next((c for c, rule in RULES if rule.search(name)), None)
                if hit:
                    category = hit
                    break
            busy[category][group] += ms
            if group == "driver main" and event == "jdk.ExecutionSample":
                driver_counted[category] += 1
            if group == "executor tasks":
                tops[(method_of(frames[0]), category)] += ms
                if category == NATIVE:
                    layer = next((m for m in (LAYER_FRAME.match(method_of(f)) for f in frames) if m), None)
                    key = (f"{layer.group(1)} {'backward' if layer.group(2) == 'backpropGradient' else 'forward'}"
                           if layer else "outside a layer (loss, output, setup)")
                    by_layer[key] += ms
    totals = {g: sum(busy[c][g] for c in busy) for g in groups}
    everything = sum(totals.values())
    executors = sum(1 for t in per_thread if thread_group(t) == "executor tasks")
    span = (last - first) if first is not None else 0
    print(f"Samples: {counts['jdk.ExecutionSample']} Java, {counts['jdk.NativeMethodSample']} native over "
          f"{span:.0f} s; {executors} executor task threads; {idle_ms / 1000:.1f} s of native waiting left out.\n")
    print("| Category | executor tasks s | % of executor busy | driver main s | other threads s | all threads % |")
    print("|---|---:|---:|---:|---:|---:|")
    order = [c for c, _ in RULES] + [OTHER]
    for c in sorted(order, key=lambda c: -busy[c]["executor tasks"] - busy[c]["driver main"]):
        row = busy[c]
        if sum(row.values()) == 0:
            continue
        ex = row["executor tasks"]
        print(f"| {c} | {ex / 1000:.1f} | {100 * ex / max(1, totals['executor tasks']):.1f} % | "
              f"{row['driver main'] / 1000:.1f} | {row['other threads'] / 1000:.1f} | "
              f"{100 * sum(row.values()) / max(1, everything):.1f} % |")
    print(f"| **Busy total** | {totals['executor tasks'] / 1000:.1f} | 100 % | {totals['driver main'] / 1000:.1f} | "
          f"{totals['other threads'] / 1000:.1f} | 100 % |")
    # The weighting credits a parked driver's wait to its first sample after waking; counting its Java
    # samples (one per 10 ms of running Java) instead shows where its own work goes.
    print("\nJava samples of the driver's main thread by category, counted, not weighted (one per 10 ms):\n")
    print("| Category | samples |")
    print("|---|---:|")
    for c, n in driver_counted.most_common():
        print(f"| {c} | {n} |")
    print(f"| **All** | {sum(driver_counted.values())} |")
    print("\nDL4J native compute of the executor task threads by layer kind and direction:\n")
    print("| DL4J layer, pass | executor tasks s | % of executor busy |")
    print("|---|---:|---:|")
    for key, ms in by_layer.most_common():
        print(f"| {key} | {ms / 1000:.1f} | {100 * ms / max(1, totals['executor tasks']):.1f} % |")
    print(f"\nHottest top frames on the executor task threads (ms, weighted):\n")
    print("| Top frame | ms | category |")
    print("|---|---:|---|")
    for (frame, category), ms in tops.most_common(top_n):
        print(f"| `{frame}` | {ms:.0f} | {category} |")
    print_collections(recording)


def print_collections(recording):
    """Garbage collections of the recording: how many, their summed pauses, and why they ran."""
    text = subprocess.run(["jfr", "print", "--events", "jdk.GarbageCollection", recording],
                          stdout=subprocess.PIPE, text=True, check=True).stdout
    units = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0, "min": 60000.0}
    pauses = [float(v.replace(",", "")) * units[u] for v, u in re.findall(r"sumOfPauses = ([\d.,]+) (\w+)", text)]
    causes = collections.Counter(re.findall(r'cause = "([^"]*)"', text))
    print(f"\nGarbage collections: {len(pauses)}, pauses {sum(pauses):.0f} ms in all; by cause: "
          + ", ".join(f"{c} {n}" for c, n in causes.most_common()))


if __name__ == "__main__":
    main()
