#!/usr/bin/env bash
# Demo: start a local PACS (pynetdicom's qrscp app) loaded with generated CT images,
# then retrieve the study from it with movescu into demo-out/received.
# Needs only Python 3.10+ and the package registry; nothing leaves this machine
# (every peer listens on 127.0.0.1).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${DEMO_DIR:-$repo/demo-out}
rm -rf "$work/pacs" "$work/received" "$work/sample"
mkdir -p "$work/pacs" "$work/received"

echo "== installing movescu into $work/venv"
if [ ! -x "$work/venv/bin/pip" ] && ! python3 -m venv "$work/venv"; then
    echo "demo.sh: 'python3 -m venv' failed; on Debian and Ubuntu: apt-get install python3-venv" >&2
    exit 1
fi
"$work/venv/bin/pip" install -q "$repo" sqlalchemy
py="$work/venv/bin/python"
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pacs_port=$(free_port)
our_port=$(free_port)

echo "== generating a synthetic CT study"
study=$("$py" "$repo/examples/make_sample_data.py" "$work/sample" --images 5)

echo "== starting the demo PACS (pynetdicom qrscp) on 127.0.0.1:$pacs_port"
cat > "$work/pacs/qrscp.ini" <<INI
[DEFAULT]
    ae_title: DEMOPACS
    port: $pacs_port
    max_pdu: 16382
    acse_timeout: 30
    dimse_timeout: 30
    network_timeout: 30
    bind_address: 127.0.0.1
    instance_location: $work/pacs/instances
    database_location: $work/pacs/instances.sqlite
    log_identifier: False

[MOVESCU]
    address: 127.0.0.1
    port: $our_port
INI
"$py" -m pynetdicom qrscp -c "$work/pacs/qrscp.ini" > "$work/pacs/qrscp.log" 2>&1 &
pacs_pid=$!
trap 'kill $pacs_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    "$py" -c "import socket,sys; socket.create_connection(('127.0.0.1', $pacs_port), 0.2)" 2>/dev/null && break
    sleep 0.2
done
"$py" -m pynetdicom storescu 127.0.0.1 "$pacs_port" -aec DEMOPACS "$work/sample" -q

echo "== movescu -v -S -aec DEMOPACS +P $our_port -od $work/received -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$study 127.0.0.1 $pacs_port"
"$work/venv/bin/movescu" -v -S -aec DEMOPACS +P "$our_port" -od "$work/received" \
    -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$study" 127.0.0.1 "$pacs_port"
echo "== received files:"
ls -l "$work/received"
