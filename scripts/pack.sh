#!/usr/bin/env bash
# Packs Teeceepee, Teeceepee.AspNetCore and the teeceepee tool (Teeceepee.Cli) into artifacts/packages,
# checks what each package carries (XML docs, readme, MIT licence, repository URL), installs the tool
# from that folder into a temporary tool path and runs `teeceepee --help`. Exit 0 when all of it holds.
#   scripts/pack.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
[[ "${1:-}" == "--out" ]] && out="$2"
rm -rf "$out"
mkdir -p "$out"
sourcelink=false
git remote get-url origin >/dev/null 2>&1 && sourcelink=true
for project in src/Teeceepee src/Teeceepee.AspNetCore src/Teeceepee.Cli; do
  dotnet pack "$project" -c Release -o "$out" -nologo -v quiet -p:EnableSourceLink=$sourcelink >/dev/null
done
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -1)
fail() { echo "pack: $*" >&2; exit 1; }
check() { # package, files it must contain
  local package="$out/$1.$version.nupkg"; shift
  [[ -f "$package" ]] || fail "missing $package"
  local listing nuspec
  listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$package")
  for f in "$@"; do grep -qx "$f" <<<"$listing" || fail "$package lacks $f"; done
  nuspec=$(python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(next(z.read(n).decode() for n in z.namelist() if n.endswith(".nuspec")))' "$package")
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$package: no MIT licence expression"
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || fail "$package: no readme"
  grep -q '<repository type="git" url="https://' <<<"$nuspec" || fail "$package: no repository URL"
  grep -q '<description>.\{40,\}</description>' <<<"$nuspec" || fail "$package: no real description"
}
check Teeceepee lib/net10.0/Teeceepee.dll lib/net10.0/Teeceepee.xml README.md
check Teeceepee.AspNetCore lib/net10.0/Teeceepee.AspNetCore.dll lib/net10.0/Teeceepee.AspNetCore.xml README.md
check Teeceepee.Cli tools/net10.0/any/Teeceepee.Cli.dll tools/net10.0/any/DotnetToolSettings.xml README.md
[[ -f "$out/Teeceepee.$version.snupkg" ]] || fail "no symbol package for Teeceepee"

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
# A package cache of its own: an older build of the same version must not be picked up.
NUGET_PACKAGES="$tools/cache" dotnet tool install Teeceepee.Cli --version "$version" --tool-path "$tools" --add-source "$out" >/dev/null \
  || fail "dotnet tool install from $out failed"
help=$("$tools/teeceepee" --help) || fail "teeceepee --help failed"
grep -q "bench-server" <<<"$help" || fail "teeceepee --help does not list its commands"
echo "pack: Teeceepee, Teeceepee.AspNetCore, Teeceepee.Cli $version in $out (SourceLink $sourcelink); tool installed and ran"
