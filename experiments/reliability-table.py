#!/usr/bin/env python3
"""Renders docs/RELIABILITY.md from the rows the fault and bad-input tests record (ReliabilityLog in
jobs/src/test/java/io/bitswitch/reliability): one TSV file a test class under jobs/target/reliability,
columns test, case, what was done, what bitswitch did, checked how.

    python3 experiments/reliability-table.py [TSV_DIR [DOC]]

Rows of cases not recorded this time (a class or method that did not run, e.g. the slow ones in a
quick run) are kept from the existing DOC, so a partial run never drops cases."""
import glob, os, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tsv_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "jobs", "target", "reliability")
doc = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "docs", "RELIABILITY.md")

HEADER = ["test", "case", "what was done", "what bitswitch did", "checked how"]

rows = {}
for path in sorted(glob.glob(os.path.join(tsv_dir, "*.tsv"))):
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    rows[os.path.basename(path)[:-len(".tsv")]] = [cells for cells in lines if len(cells) == len(HEADER)]
if not rows:
    sys.exit(f"reliability-table.py: no *.tsv under {tsv_dir}; run the recording tests first (see {doc})")

# Merged by (test, case): a recorded row replaces the page's row of the same case, and the page's other
# rows stay, so a run of some tests (or of one method of a test) never drops the cases of the others. A case
# deleted from a test is deleted from the page by hand.
tables = {}
if os.path.exists(doc):
    with open(doc, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip()[1:-1].split(" | ")] if line.startswith("| ") else []
            if len(cells) == len(HEADER) and cells != HEADER:
                tables.setdefault(cells[0], {})[cells[1]] = cells
for test, recorded in rows.items():
    for cells in recorded:
        tables.setdefault(test, {})[cells[1]] = cells

out = [
    "# Reliability: the faults and bad inputs tried",
    "",
    "What bitswitch does when it is killed at a bad moment, when the disk fills up, and when it is given bad",
    "input. Each row is a case that a test of the suite runs and checks, recorded by the test itself",
    "(`ReliabilityLog`, jobs/src/test/java/io/bitswitch/reliability); this page is generated from those",
    "records, and every recording test fails when this page does not list its case, so the page cannot fall",
    "behind the tests. The crash, disk-full and HDFS tests are tagged `slow`; `bin/test`, the suite CI",
    "runs, includes them. The executor kill is part of the standalone cluster test (`StandaloneClusterIT`,",
    "`mvn -B verify`). How a run finishes and recovers: docs/design/architecture.md §5; what to do as an",
    "operator: docs/OPERATIONS.md.",
    "",
    "Regenerate after changing a case (the record-only switch lets a new case be recorded before it is listed):",
    "",
    "```",
    "mvn -B -Pall -pl jobs -am test -Dbitswitch.reliability.record-only=true \\",
    "  -Dtest='CrashRecoveryTest,DiskFullTest,HdfsSemanticsTest,RunDirectoryGuardsTest,ResumeSettingsTest,RunFinishingTest' \\",
    "  -Dsurefire.failIfNoSpecifiedTests=false",
    "mvn -B verify -pl jobs -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StandaloneClusterIT \\",
    "  -Dbitswitch.reliability.record-only=true   # the standalone cluster case (maven-failsafe-plugin)",
    "python3 experiments/reliability-table.py",
    "```",
    "",
    "| " + " | ".join(HEADER) + " |",
    "|" + "---|" * len(HEADER),
]
for test in sorted(tables):
    for cells in tables[test].values():
        out.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
with open(doc, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
print(f"{doc}: {sum(len(t) for t in tables.values())} cases from {len(tables)} tests")
