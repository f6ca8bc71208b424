#!/usr/bin/env bash
# Measures `xaccel serve` against real nginx on the X-Accel-Redirect path,
# side by side in one run, and prints a markdown table on stdout (progress on
# stderr). Both serve the same config: /download/NAME goes to a fast app
# (bench/xarapp) that answers X-Accel-Redirect: /protected/NAME, and the
# internal location sends a 4 KiB file.
#
#   bench/serve.sh                  # 64 connections, 10 s per run, then a 30 s soak of xaccel
#   DURATION=20s SOAK=60s bench/serve.sh
#   KEEPALIVE=1 bench/serve.sh      # both keep connections to the app
#   ROUNDS=5 DURATION=5s bench/serve.sh   # nginx and xaccel taken in turn 5 times
#
# wrk, the app, nginx and xaccel share the machine's CPUs; on a small
# machine that others use too, run it several times (or with ROUNDS) and
# look at the spread. With ROUNDS > 1 each round is a row and the summary
# line gives the median ratio. "CPU us/req" is the CPU time (user + system)
# the server's processes (nginx's workers, or xaccel) used per request.
# Nothing is pinned to a CPU: both servers share the CPUs with wrk and the
# app the same way (pinning wrk with taskset changed neither side's rate
# beyond the run-to-run spread).
#
# By default each request opens a new connection to the app, as nginx does
# by default. KEEPALIVE=1 uses upstream { keepalive 32; } with
# proxy_http_version 1.1 and proxy_set_header Connection "" on both sides.
#
# Needs wrk (apt-get install wrk) and nginx. Everything listens on
# 127.0.0.1; every process started here is stopped by its PID on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
SOAK=${SOAK:-30s}
ROUNDS=${ROUNDS:-1}
KEEPALIVE=${KEEPALIVE:-0}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "bench: nginx is missing" >&2; exit 2; }

dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

log() { echo "bench: $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "bench: $1 never appeared" >&2; exit 2; }

log "building"
go build -o "$dir/xaccel" .
go build -o "$dir/xarapp" ./bench/xarapp
mkdir -p "$dir/files" "$dir/logs" "$dir/conf"
head -c 4096 /dev/urandom > "$dir/files/f.bin"
chmod -R a+rX "$dir" # nginx workers run as nobody when started by root

"$dir/xarapp" --ready-file "$dir/app.addr" & pids+=($!)
wait_file "$dir/app.addr"
app=$(cat "$dir/app.addr")

nport=$(free_port)
upstream_block() {
	if [ "$KEEPALIVE" = 1 ]; then
		printf '    upstream app {\n        server %s;\n        keepalive 32;\n    }\n' "$app"
	else
		printf '    upstream app {\n        server %s;\n    }\n' "$app"
	fi
}
server_block() {
	local ka=""
	if [ "$KEEPALIVE" = 1 ]; then
		ka='proxy_http_version 1.1; proxy_set_header Connection "";'
	fi
	cat <<EOF
    server {
        listen 127.0.0.1:$1;
        location /download/ {
            proxy_pass http://app;
            $ka
        }
        location ^~ /protected/ {
            internal;
            alias $dir/files/;
            add_header X-Content-Type-Options "nosniff" always;
        }
    }
EOF
}
cat > "$dir/conf/nginx.conf" <<EOF
worker_processes auto;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp_body;
    proxy_temp_path $dir/tmp_proxy;
    fastcgi_temp_path $dir/tmp_fastcgi;
    uwsgi_temp_path $dir/tmp_uwsgi;
    scgi_temp_path $dir/tmp_scgi;
$(upstream_block)
$(server_block "$nport")
}
EOF
{ echo "http {"; upstream_block; server_block 8080; echo "}"; } > "$dir/xaccel.conf"

"$NGINX" -p "$dir" -c conf/nginx.conf -e "$dir/logs/error.log" -g "daemon off; pid $dir/nginx.pid;" & npid=$!; pids+=($npid)
"$dir/xaccel" serve -c "$dir/xaccel.conf" --listen 127.0.0.1:0 --ready-file "$dir/xaccel.addr" >/dev/null & xpid=$!; pids+=($xpid)
wait_file "$dir/xaccel.addr"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nport/download/f.bin" && break; sleep 0.1; done
xaddr=$(cat "$dir/xaccel.addr")

for url in "http://127.0.0.1:$nport/download/f.bin" "http://$xaddr/download/f.bin"; do
	code=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url")
	[ "$code" = "200 4096" ] || { echo "bench: $url answers '$code', want '200 4096'" >&2; exit 2; }
done

cputicks() { # pids -> utime + stime, in clock ticks
	local t=0 p
	for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$t"
}
run() { # url duration [pids] -> "rps p99ms cpu-us/req errors"
	local url=$1 d=$2 c0 c1
	shift 2
	c0=$(cputicks "$@")
	wrk -t"$THREADS" -c"$CONNS" -d"$d" --latency "$url" > "$dir/wrk.out" 2>&1
	c1=$(cputicks "$@")
	local rps p99 errs reqs cpu
	rps=$(awk '/^Requests\/sec/ {print $2}' "$dir/wrk.out")
	reqs=$(awk '/requests in/ {print $1}' "$dir/wrk.out")
	p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$dir/wrk.out")
	cpu=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$reqs" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
	errs=$(awk '/Socket errors/ {print $0}' "$dir/wrk.out")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk.out")
	echo "$rps $p99 $cpu ${errs:-none} non2xx=${non2xx:-0}"
}

nworkers=($(pgrep -P "$npid"))
log "warm-up"
run "http://127.0.0.1:$nport/download/f.bin" 2s >/dev/null
run "http://$xaddr/download/f.bin" 2s >/dev/null
rows=()
ratios=()
for r in $(seq "$ROUNDS"); do
	log "round $r/$ROUNDS: nginx, $CONNS connections, $DURATION"
	read -r n_rps n_p99 n_cpu n_rest <<<"$(run "http://127.0.0.1:$nport/download/f.bin" "$DURATION" "${nworkers[@]}")"
	log "round $r/$ROUNDS: xaccel serve, $CONNS connections, $DURATION"
	read -r x_rps x_p99 x_cpu x_rest <<<"$(run "http://$xaddr/download/f.bin" "$DURATION" "$xpid")"
	rows+=("| nginx | $n_rps | $n_p99 | $n_cpu | $n_rest |" "| xaccel serve | $x_rps | $x_p99 | $x_cpu | $x_rest |")
	ratios+=("$(awk -v x="$x_rps" -v n="$n_rps" -v xp="$x_p99" -v np="$n_p99" 'BEGIN { printf "%.3f %.3f", x/n, xp/np }')")
done

fds() { ls "/proc/$1/fd" | wc -l; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fd0=$(fds "$xpid"); rss0=$(rss "$xpid")
log "xaccel serve soak, $SOAK"
read -r s_rps s_p99 s_cpu s_rest <<<"$(run "http://$xaddr/download/f.bin" "$SOAK" "$xpid")"
sleep 2
fd1=$(fds "$xpid"); rss1=$(rss "$xpid")

mode="keepalive 32 to the app"
[ "$KEEPALIVE" = 1 ] || mode="a new connection to the app per request"
echo "xaccel serve vs nginx on the X-Accel-Redirect path (bench/serve.sh; wrk -t$THREADS -c$CONNS, $DURATION each; 4 KiB file; $mode; $(nproc) CPUs)"
echo
echo "$(go version | awk '{print $3}'), $("$NGINX" -v 2>&1 | sed 's/.*: //') with worker_processes auto"
echo
echo "| server | requests/s | p99 latency ms | CPU us/req | wrk errors |"
echo "|---|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
if [ "$ROUNDS" = 1 ]; then
	read -r rr pr <<<"${ratios[0]}"
	awk -v r="$rr" -v p="$pr" 'BEGIN { printf "xaccel/nginx: %.2f of the requests per second, %.2fx the p99 latency\n", r, p }'
else
	printf '%s\n' "${ratios[@]}" | sort -n -k1,1 | awk '{ r[NR] = $1 } END { printf "xaccel/nginx requests per second by round: min %.2f, median %.2f, max %.2f\n", r[1], r[int((NR + 1) / 2)], r[NR] }'
	printf '%s\n' "${ratios[@]}" | sort -n -k2,2 | awk '{ p[NR] = $2 } END { printf "xaccel/nginx p99 latency by round: min %.2fx, median %.2fx, max %.2fx\n", p[1], p[int((NR + 1) / 2)], p[NR] }'
fi
echo
echo "soak ($SOAK on xaccel serve): $s_rps requests/s, p99 $s_p99 ms, $s_cpu CPU us/req, errors: $s_rest; open files $fd0 -> $fd1, RSS ${rss0} -> ${rss1} KiB"
