#!/usr/bin/env bash
# Third-party move: movescu asks a PACS to send a patient's images to another system.
#
# movescu only sends the C-MOVE request (no +P: nothing is received here); the PACS
# opens its own association to the move destination.  This script builds the whole
# scene on 127.0.0.1 with DCMTK and generated images:
#
#   PACS    DCMTK dcmqrscp, AE title PACS, loaded with the images (dcmqridx)
#   VIEWER  DCMTK storescp, the third party, writing into VIEWER's directory
#   movescu -P -aec PACS -aem VIEWER -k QueryRetrieveLevel=PATIENT -k PatientID=... 127.0.0.1 <port>
#
# and checks that VIEWER received every image.  Against your own PACS the command is
# the last line alone; the PACS must know VIEWER's host and port (here: dcmqrscp's
# HostTable).
#
# Settings (environment): MOVESCU (default: movescu; e.g. "python3 -m movescu" with
# PYTHONPATH=src), PYTHON (default python3), DCMTK_BIN (default /usr/bin: DCMTK's
# tools, not pynetdicom's scripts of the same names), IMAGES (default 3),
# KEEP=1 keeps the work directory.  Exit status 0 when VIEWER got every image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MOVESCU=${MOVESCU:-movescu}
PYTHON=${PYTHON:-python3}
DCMTK_BIN=${DCMTK_BIN:-/usr/bin}
IMAGES=${IMAGES:-3}
KEEP=${KEEP:-0}
read -r -a movescu_cmd <<< "$MOVESCU"

work=$(mktemp -d "${TMPDIR:-/tmp}/movescu-3rd.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$KEEP" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

wait_for_port() {  # bounded: 20 s
    "$PYTHON" - "$1" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 20
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"nothing listens on 127.0.0.1:{sys.argv[1]} after 20 s")
        time.sleep(0.1)
PY
}

read -r pacs_port viewer_port < <("$PYTHON" - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

echo "== generating $IMAGES CT images"
"$PYTHON" "$here/make_sample_data.py" "$work/sample" --images "$IMAGES" > /dev/null
patient_id=$("$PYTHON" -c 'import sys; from pydicom import dcmread; print(dcmread(sys.argv[1]).PatientID)' "$work/sample/CT1.dcm")

echo "== PACS: dcmqrscp on 127.0.0.1:$pacs_port; VIEWER: storescp on 127.0.0.1:$viewer_port"
mkdir -p "$work/pacs/area" "$work/viewer"
cp "$work/sample"/*.dcm "$work/pacs/area/"
"$DCMTK_BIN/dcmqridx" "$work/pacs/area" "$work/pacs/area"/*.dcm
cat > "$work/pacs/dcmqrscp.cfg" <<CFG
NetworkTCPPort = $pacs_port
MaxPDUSize = 16384
MaxAssociations = 16
HostTable BEGIN
VIEWER = (VIEWER, 127.0.0.1, $viewer_port)
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
PACS $work/pacs/area RW (100, 64mb) ANY
AETable END
CFG
# TCP_NODELAY=1: DCMTK leaves Nagle's algorithm on otherwise (~40 ms per C-STORE).
# -dhl: with host lookup the peer would be "localhost" and not match 127.0.0.1.
TCP_NODELAY=1 "$DCMTK_BIN/storescp" -dhl -aet VIEWER -od "$work/viewer" "$viewer_port" \
    > "$work/storescp.log" 2>&1 &
pids+=($!)
TCP_NODELAY=1 "$DCMTK_BIN/dcmqrscp" -dhl -c "$work/pacs/dcmqrscp.cfg" "$pacs_port" \
    > "$work/dcmqrscp.log" 2>&1 &
pids+=($!)
wait_for_port "$viewer_port"
wait_for_port "$pacs_port"

echo "== movescu: move patient $patient_id from PACS to VIEWER"
set -x
"${movescu_cmd[@]}" -v -P -aec PACS -aem VIEWER \
    -k QueryRetrieveLevel=PATIENT -k "PatientID=$patient_id" 127.0.0.1 "$pacs_port"
{ set +x; } 2>/dev/null

received=$(find "$work/viewer" -type f | wc -l)
echo "== VIEWER received $received of $IMAGES images"
[ "$received" -eq "$IMAGES" ]
