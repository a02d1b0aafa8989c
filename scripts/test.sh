#!/usr/bin/env bash
# Runs every test project (unit + integration) and prints one closing line "N passed, N failed".
# Integration tests need root (network namespaces, TAP); everything they create is named per run
# and removed afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dotnet build Teeceepee.slnx -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
results=$(mktemp -d)
status=0
for project in tests/Teeceepee.Tests tests/Teeceepee.IntegrationTests; do
  name=$(basename "$project")
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=normal" \
    --blame-hang-timeout 10m 2>&1 | tee "$results/$name.log" | grep -E "^\s*(Failed |Passed!|Failed!)|\[FAIL\]|Total tests|error [A-Z]+[0-9]+"
  # Read dotnet test's own status at once: with pipefail, an `|| true` here would reset PIPESTATUS and hide failures.
  codes=("${PIPESTATUS[@]}")
  [[ ${codes[0]} -eq 0 ]] || status=1
done
# Steps that are not xunit tests, each counted as one test in the closing line: the packages
# (pack, check, install the tool, run it) and a short fuzz run (docs/fuzzing.md; the corpus replay
# is in the unit tests).
for step in "scripts/pack.sh" "scripts/fuzz.sh --seconds 60"; do
  $step 2>&1 | tail -20
  if [[ ${PIPESTATUS[0]} -eq 0 ]]; then echo "passed $step" >>"$results/steps.txt"; else echo "failed $step" >>"$results/steps.txt"; status=1; fi
done
python3 - "$results" "$status" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
steps = os.path.join(sys.argv[1], "steps.txt")
if os.path.exists(steps):
    for line in open(steps):
        if line.startswith("passed"): passed += 1
        elif line.startswith("failed"): failed += 1
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}ResultSummary/{*}Counters")
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0))
if failed == 0 and sys.argv[2] != "0":
    failed = 1  # a runner crashed without recording a failure
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
rm -rf "$results"
exit $status
