#!/usr/bin/env bash
# CI smoke test: retrieve a study from a throw-away Orthanc with movescu.
#
# Starts Orthanc with a generated JSON config on free 127.0.0.1 ports, uploads
# generated CT images over REST, retrieves the study with movescu (our Storage SCP
# on +P), checks the exit code and the number of received files, then checks that
# a study the PACS does not have ends with exit code 69.  Everything runs on
# 127.0.0.1 in a temporary directory that is removed at the end (KEEP=1 keeps it).
#
# Settings (environment):
#   MOVESCU   the movescu command (default: movescu), e.g.
#             MOVESCU="python3 -m movescu" PYTHONPATH=src ./examples/ci-smoke-orthanc.sh
#   ORTHANC   Orthanc binary (default: Orthanc on PATH, else /usr/sbin/Orthanc)
#   PYTHON    Python with pydicom for the generators (default: python3)
#   IMAGES    number of images in the study (default: 5)
#   KEEP      1 = keep the work directory (logs, received files)
#
# Exit status: 0 when every check passed, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MOVESCU=${MOVESCU:-movescu}
PYTHON=${PYTHON:-python3}
IMAGES=${IMAGES:-5}
KEEP=${KEEP:-0}
ORTHANC=${ORTHANC:-$(command -v Orthanc || echo /usr/sbin/Orthanc)}
read -r -a movescu_cmd <<< "$MOVESCU"

work=$(mktemp -d "${TMPDIR:-/tmp}/movescu-smoke.XXXXXX")
orthanc_pid=
cleanup() {
    if [ -n "$orthanc_pid" ]; then
        kill "$orthanc_pid" 2>/dev/null || true
        wait "$orthanc_pid" 2>/dev/null || true
    fi
    if [ "$KEEP" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

failures=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "PASS: $1 ($3)"
    else
        echo "FAIL: $1: expected $2, got $3"
        failures=$((failures + 1))
    fi
}

[ -x "$ORTHANC" ] || { echo "Orthanc not found ($ORTHANC): apt-get install orthanc" >&2; exit 1; }

# Three distinct free ports: Orthanc DICOM, Orthanc HTTP, our Storage SCP (+P).
read -r dicom_port http_port our_port < <("$PYTHON" - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

echo "== generating $IMAGES CT images and the query files"
study=$("$PYTHON" "$here/make_sample_data.py" "$work/sample" --images "$IMAGES")
"$PYTHON" "$here/make_examples.py" "$work/queries" --from "$work/sample/CT1.dcm" > /dev/null

echo "== starting Orthanc (DICOM 127.0.0.1:$dicom_port, HTTP $http_port)"
mkdir -p "$work/orthanc" "$work/received"
# Orthanc listens on all addresses; only registered AEs from 127.0.0.1 may act
# (DicomCheckModalityHost), REST only from localhost (RemoteAccessAllowed false).
cat > "$work/orthanc/orthanc.json" <<JSON
{
  "Name": "movescu-smoke",
  "StorageDirectory": "$work/orthanc/storage",
  "IndexDirectory": "$work/orthanc/index",
  "Plugins": [],
  "DicomAet": "ORTHANC",
  "DicomPort": $dicom_port,
  "HttpPort": $http_port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "SaveJobs": false,
  "DicomAlwaysAllowEcho": false,
  "DicomAlwaysAllowFind": false,
  "DicomAlwaysAllowMove": false,
  "DicomAlwaysAllowStore": false,
  "DicomCheckModalityHost": true,
  "DicomCheckCalledAet": true,
  "DicomModalities": {
    "movescu": { "AET": "MOVESCU", "Host": "127.0.0.1", "Port": $our_port }
  }
}
JSON
# TCP_NODELAY=1: Orthanc leaves Nagle's algorithm on otherwise (~40 ms per C-STORE).
TCP_NODELAY=1 "$ORTHANC" "$work/orthanc/orthanc.json" > "$work/orthanc/orthanc.log" 2>&1 &
orthanc_pid=$!

"$PYTHON" - "$http_port" "$work/sample" <<'PY'
import pathlib, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(f"{base}/system", timeout=2).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("Orthanc did not answer GET /system within 60 s")
        time.sleep(0.2)
for path in sorted(pathlib.Path(sys.argv[2]).glob("*.dcm")):
    request = urllib.request.Request(f"{base}/instances", data=path.read_bytes(), method="POST")
    urllib.request.urlopen(request, timeout=30).read()
PY
echo "== uploaded $IMAGES images of study $study"

echo "== movescu: retrieve the study (study root, +P $our_port)"
set +e
"${movescu_cmd[@]}" -v -S -aet MOVESCU -aec ORTHANC -td 30 +P "$our_port" -od "$work/received" \
    127.0.0.1 "$dicom_port" "$work/queries/study-root-study.dcm"
rc=$?
set -e
check "retrieve exit code" 0 "$rc"
received=$(find "$work/received" -type f -name 'CT.*' | wc -l)
check "received files" "$IMAGES" "$received"

echo "== movescu: a study Orthanc does not have must fail"
set +e
"${movescu_cmd[@]}" -S -aet MOVESCU -aec ORTHANC -td 30 +P "$our_port" -od "$work/received" \
    -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.2.3.999 127.0.0.1 "$dicom_port"
rc=$?
set -e
check "exit code for an unknown study" 69 "$rc"

if [ "$failures" -ne 0 ]; then
    echo "== $failures check(s) failed; Orthanc log:"
    tail -n 30 "$work/orthanc/orthanc.log"
    exit 1
fi
echo "== all checks passed"
