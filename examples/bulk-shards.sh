#!/usr/bin/env bash
# A sharded migration on one machine: the runnable version of docs/bulk.md.
#
# A list of instances (a --key-list CSV) is split into SHARDS shards
# (shard_key_list.py); one movescu per shard moves its rows from the PACS to the
# archive, each with --retry and its own --report; merge_reports.py merges the
# reports.  On several machines each worker runs the same movescu line on its own
# shard (GNU parallel over ssh, a Kubernetes indexed Job: see docs/bulk.md).  The
# scene, on 127.0.0.1 with DCMTK and generated images:
#
#   PACS     DCMTK dcmqrscp, AE title PACS, loaded with the images
#   ARCHIVE  DCMTK storescp, the move destination (third-party moves: no +P)
#   movescu -S -aec PACS -aem ARCHIVE -k QueryRetrieveLevel=IMAGE \
#       --key-list shard-<i>.csv --retry 2 --report report-<i>.json 127.0.0.1 <port>
#
# Settings (environment): MOVESCU (default: movescu; e.g. "python3 -m movescu" with
# PYTHONPATH=src), PYTHON (default python3), DCMTK_BIN (default /usr/bin),
# IMAGES (default 6), SHARDS (default 3), PARALLEL (--parallel per worker,
# default 1), KEEP=1 keeps the work directory.  Exit status 0 when every move of
# every shard is done and ARCHIVE received every image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
MOVESCU=${MOVESCU:-movescu}
PYTHON=${PYTHON:-python3}
DCMTK_BIN=${DCMTK_BIN:-/usr/bin}
IMAGES=${IMAGES:-6}
SHARDS=${SHARDS:-3}
PARALLEL=${PARALLEL:-1}
KEEP=${KEEP:-0}
read -r -a movescu_cmd <<< "$MOVESCU"

work=$(mktemp -d "${TMPDIR:-/tmp}/movescu-bulk.XXXXXX")
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

read -r pacs_port archive_port < <("$PYTHON" - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

echo "== generating $IMAGES CT images and their key list"
"$PYTHON" "$here/make_sample_data.py" "$work/sample" --images "$IMAGES" > /dev/null
"$PYTHON" - "$work/sample" > "$work/keys.csv" <<'PY'
import csv, sys
from pathlib import Path
from pydicom import dcmread
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"])
for path in sorted(Path(sys.argv[1]).glob("*.dcm")):
    ds = dcmread(path, stop_before_pixels=True)
    out.writerow([ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID])
PY

echo "== PACS: dcmqrscp on 127.0.0.1:$pacs_port; ARCHIVE: storescp on 127.0.0.1:$archive_port"
mkdir -p "$work/pacs/area" "$work/archive"
cp "$work/sample"/*.dcm "$work/pacs/area/"
"$DCMTK_BIN/dcmqridx" "$work/pacs/area" "$work/pacs/area"/*.dcm
cat > "$work/pacs/dcmqrscp.cfg" <<CFG
NetworkTCPPort = $pacs_port
MaxPDUSize = 16384
MaxAssociations = 32
HostTable BEGIN
ARCHIVE = (ARCHIVE, 127.0.0.1, $archive_port)
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
PACS $work/pacs/area RW (100, 64mb) ANY
AETable END
CFG
TCP_NODELAY=1 "$DCMTK_BIN/storescp" -dhl -aet ARCHIVE -od "$work/archive" "$archive_port" \
    > "$work/storescp.log" 2>&1 &
pids+=($!)
TCP_NODELAY=1 "$DCMTK_BIN/dcmqrscp" -dhl -c "$work/pacs/dcmqrscp.cfg" "$pacs_port" \
    > "$work/dcmqrscp.log" 2>&1 &
pids+=($!)
wait_for_port "$archive_port"
wait_for_port "$pacs_port"

echo "== $SHARDS workers, one shard each"
workers=()
for ((i = 0; i < SHARDS; i++)); do
    "$PYTHON" "$here/shard_key_list.py" "$work/keys.csv" "$i" "$SHARDS" > "$work/shard-$i.csv"
    # what each machine of a real migration runs (docs/bulk.md)
    "${movescu_cmd[@]}" -v -S -aec PACS -aem ARCHIVE -k QueryRetrieveLevel=IMAGE \
        --key-list "$work/shard-$i.csv" --retry 2 --retry-wait 1 --parallel "$PARALLEL" \
        --report "$work/report-$i.json" 127.0.0.1 "$pacs_port" > "$work/worker-$i.log" 2>&1 &
    workers+=($!)
done
status=0
for pid in "${workers[@]}"; do wait "$pid" || status=$?; done
echo "== workers done (last non-zero exit status: $status)"

merged_status=0
"$PYTHON" "$here/merge_reports.py" "$work"/report-*.json > "$work/merged.json" || merged_status=$?
"$PYTHON" - "$work/merged.json" <<'PY'
import json, sys
merged = json.load(open(sys.argv[1]))
print("== merged: moves", merged["counts"], "exit code", merged["exit_code"])
for move in merged["not_done"]:
    print("   not done:", move["report"], "move", move["move"], move["source"])
PY
received=$(find "$work/archive" -type f | wc -l)
echo "== ARCHIVE received $received of $IMAGES images"
[ "$merged_status" -eq 0 ] && [ "$received" -eq "$IMAGES" ]
