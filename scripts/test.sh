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
    --blame-hang-timeout 10m 2>&1 | tee "$results/$name.log" | grep -E "^\s*(Failed |Passed!|Failed!)|\[FAIL\]|Total tests|error [A-Z]+[0-9]+" || true
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
done
python3 - "$results" "$status" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
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
