#!/usr/bin/env bash
# Peak memory of xaccel serve next to real nginx, side by side in one run,
# on what an attacker can send: three concurrent uploads of SIZE bytes each
# (client_max_body_size 0) and an app answer with a header line of SIZE
# bytes (nginx: "upstream sent too big header", 502). Prints a markdown
# table on stdout (progress on stderr): the peak RSS (VmHWM) of nginx's
# single process and of xaccel serve, and what each client got.
#
#   bench/memory.sh                 # SIZE=300 MiB
#   SIZE=$((50<<20)) bench/memory.sh
#
# Needs nginx and curl. Everything listens on 127.0.0.1; every process
# started here is stopped by its PID on exit; the upload file is written
# to a temporary directory and removed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZE=${SIZE:-$((300 << 20))}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "bench: nginx is missing" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench: curl is missing" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
waitport() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "bench: nothing listens on $1" >&2; exit 1; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

echo "building" >&2
go build -o "$work/xaccel" .
go build -o "$work/memapp" ./bench/memapp
head -c "$SIZE" /dev/zero >"$work/upload.bin"

app=$(freeport)
"$work/memapp" "$app" "$SIZE" & pids+=($!)
waitport "$app"

conf() { # PORT [nginx]
	cat <<EOC
server {
    listen 127.0.0.1:$1;
    location / {
        client_max_body_size 0;
        proxy_pass http://127.0.0.1:$app;
    }
}
EOC
}

run() { # NAME PID PORT
	local name=$1 pid=$2 port=$3 ups=() hdr
	echo "$name: three uploads of $SIZE bytes" >&2
	for i in 1 2 3; do
		curl -s -o "$work/$name.up$i" -X POST --data-binary "@$work/upload.bin" \
			-H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/up" &
		ups+=($!)
	done
	wait "${ups[@]}"
	local up=$(cat "$work/$name.up1")
	echo "$name: a header of $SIZE bytes" >&2
	hdr=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/bighdr" || true)
	echo "| $name | $(( $(hwm "$pid") / 1024 )) MB | $up | $hdr |"
}

echo "| server | peak RSS | each upload: app says | $SIZE-byte header: status |"
echo "|---|---|---|---|"

ng=$(freeport)
mkdir -p "$work/nginx/conf" "$work/nginx/logs"
{ echo "events {}"; echo "http { access_log off; client_body_temp_path $work/nginx/cbt; proxy_temp_path $work/nginx/pt;"; conf "$ng"; echo "}"; } >"$work/nginx/conf/nginx.conf"
"$NGINX" -p "$work/nginx/" -c conf/nginx.conf -e "$work/nginx/logs/error.log" \
	-g "daemon off; master_process off; pid $work/nginx/nginx.pid;" & pids+=($!)
ngpid=$!
waitport "$ng"
run nginx "$ngpid" "$ng"

xs=$(freeport)
conf "$xs" >"$work/serve.conf"
TMPDIR="$work" "$work/xaccel" serve -c "$work/serve.conf" --listen "127.0.0.1:$xs" >/dev/null & pids+=($!)
xpid=$!
waitport "$xs"
run "xaccel serve" "$xpid" "$xs"
