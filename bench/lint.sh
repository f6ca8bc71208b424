#!/usr/bin/env bash
# Measures `xaccel lint` against `nginx -t` on generated configurations of
# growing size (see internal/benchgen) and prints a markdown table on
# stdout; progress and problems go to stderr. The two tools take turns on
# the same file (xaccel, nginx -t, xaccel, ...), so a busy moment of the
# machine falls on both. The last size is the target's: xaccel lint should
# take at most 0.35 of nginx -t's time there, in less than 150 MB; the
# last line says whether it does. "ms per 1k servers" staying flat from
# one size to the next is linear growth.
#
#   bench/lint.sh                         # 1k, 5k and 10k servers, best of 5 (about 20 s)
#   SIZES="1000 10000 100000" RUNS=3 bench/lint.sh
#   XACCEL=/path/to/xaccel bench/lint.sh  # measure a given binary instead of building one
#
# Environment:
#   SIZES    server counts, ascending (default "1000 5000 10000")
#   RUNS     runs per measurement; the best (lowest) time and RSS are kept (default 5)
#   TIMEOUT  seconds before one run is abandoned and reported as ">TIMEOUT" (default 60);
#            with the default sizes the whole script is bounded by 2 x 3 x RUNS x TIMEOUT
#   XACCEL   an xaccel binary to measure (default: built from this checkout)
#   NGINX    the nginx binary (default: nginx from PATH, else /usr/sbin/nginx)
#   KEEP=1   keep the temporary directory (generated configs) and print its path
#
# Both tools run on the same file. nginx -t gets its own prefix (-p), error
# log (-e) and pid file (-g 'pid ...;') in the temporary directory; the
# generated http{} block turns access_log off and points the temp paths into
# the prefix, so nothing outside it is touched. Peak RSS comes from GNU time
# (`/usr/bin/time -f %M`; `apt-get install time` if it is missing) and wall
# time from bash's EPOCHREALTIME around it (GNU time's %e only has 10 ms
# resolution); without GNU time, python3's resource module measures both.
set -euo pipefail

SIZES=${SIZES:-"1000 5000 10000"}
RUNS=${RUNS:-5}
TIMEOUT=${TIMEOUT:-60}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xaccel-bench.XXXXXX")
if [[ ${KEEP:-} == 1 ]]; then
	echo "keeping $tmp" >&2
else
	trap 'rm -rf "$tmp"' EXIT
fi

log() { echo "bench: $*" >&2; }

# --- tools -----------------------------------------------------------------

if [[ -n ${XACCEL:-} ]]; then
	xaccel=$XACCEL
else
	log "building xaccel"
	(cd "$root" && go build -o "$tmp/xaccel" .)
	xaccel=$tmp/xaccel
fi
(cd "$root" && go build -o "$tmp/gen" ./bench/gen)

nginx=${NGINX:-$(command -v nginx || true)}
if [[ -z $nginx && -x /usr/sbin/nginx ]]; then
	nginx=/usr/sbin/nginx
fi
if [[ -z $nginx ]]; then
	log "nginx not found (set NGINX=...); its columns will say n/a"
fi

if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
	timer=gnu
elif command -v python3 >/dev/null; then
	timer=python
	log "/usr/bin/time (GNU time) not found, using python3; apt-get install time to use it"
else
	log "need GNU time (apt-get install time) or python3 to measure peak RSS"
	exit 2
fi

# measure OUT CMD... runs CMD once under timeout(1) (inside the measurement,
# so a run that is killed does not outlive the script; the RSS of timeout's
# child is included in what time reports) and writes "seconds kilobytes"
# to OUT (or "timeout"). CMD's stdout and stderr go to OUT.log. Returns
# CMD's exit status.
measure() {
	local out=$1
	shift
	local rc=0
	if [[ $timer == gnu ]]; then
		# %e has only 10 ms resolution: the wall time comes from
		# EPOCHREALTIME around the run (the extra exec of time costs ~1 ms).
		local t0 t1 kb
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%M' -o "$out" timeout "$TIMEOUT" "$@" >"$out.log" 2>&1 || rc=$?
		t1=$EPOCHREALTIME
		# GNU time writes "Command exited with non-zero status N" before the number
		kb=$(tail -n 1 "$out" 2>/dev/null || true)
		awk -v a="$t0" -v b="$t1" -v k="$kb" 'BEGIN { printf "%.3f %d\n", b - a, k }' >"$out"
	else
		python3 -c '
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(sys.argv[2:], stdout=sys.stdout, stderr=sys.stderr)
e = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    f.write("%.3f %d\n" % (e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$out" timeout "$TIMEOUT" "$@" >"$out.log" 2>&1 || rc=$?
	fi
	if [[ $rc == 124 ]]; then
		echo timeout >"$out"
	fi
	return $rc
}

# run TOOL SIZE I CMD... measures CMD once (run I) and prints "seconds KB",
# or "timeout".
run() {
	local tool=$1 size=$2 i=$3
	shift 3
	local out=$tmp/$tool-$size-$i.time rc=0
	measure "$out" "$@" || rc=$?
	if [[ $(cat "$out" 2>/dev/null) == timeout ]]; then
		log "$tool on $size servers: no result within ${TIMEOUT}s"
		echo timeout
		return
	fi
	if [[ $rc != 0 ]]; then
		log "$tool on $size servers exited with status $rc (the generated config should pass); output:"
		head -n 20 "$out.log" >&2
	fi
	cat "$out"
}

# keep NAME T KB keeps the lowest time and RSS of NAME's runs in bt[NAME]
# and bk[NAME] ("timeout" sticks).
declare -A bt bk
keep() {
	local name=$1 t=$2 kb=${3:-}
	if [[ $t == timeout || ${bt[$name]:-} == timeout ]]; then
		bt[$name]=timeout bk[$name]=timeout
		return
	fi
	if [[ -z ${bt[$name]:-} ]] || awk -v a="$t" -v b="${bt[$name]}" 'BEGIN { exit !(a < b) }'; then bt[$name]=$t; fi
	if [[ -z ${bk[$name]:-} ]] || ((kb < bk[$name])); then bk[$name]=$kb; fi
}

mb() { # kilobytes as megabytes, or the word it is
	if [[ $1 =~ ^[0-9]+$ ]]; then awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; else echo "$1"; fi
}

# --- runs ------------------------------------------------------------------

declare -A xt xm nt nm lines
for n in $SIZES; do
	conf=$tmp/servers-$n.conf
	log "generating $n servers"
	"$tmp/gen" -servers "$n" -o "$conf"
	lines[$n]=$(wc -l <"$conf")
	prefix=$tmp/prefix-$n
	mkdir -p "$prefix"
	log "xaccel lint and nginx -t in turn, $n servers, $RUNS runs each"
	for ((i = 1; i <= RUNS; i++)); do
		read -r t kb <<<"$(run xaccel "$n" "$i" "$xaccel" lint --color never "$conf")"
		keep "x$n" "$t" "${kb:-}"
		if [[ -n $nginx ]]; then
			read -r t kb <<<"$(run nginx "$n" "$i" "$nginx" -t -q -c "$conf" -p "$prefix/" \
				-e "$prefix/error.log" -g "pid $prefix/nginx.pid;")"
			keep "n$n" "$t" "${kb:-}"
		fi
	done
	xt[$n]=${bt[x$n]} xm[$n]=$(mb "${bk[x$n]}")
	if [[ -n $nginx ]]; then
		nt[$n]=${bt[n$n]} nm[$n]=$(mb "${bk[n$n]}")
	else
		nt[$n]=n/a nm[$n]=n/a
	fi
	rm -f "$conf"
done

# --- table -----------------------------------------------------------------

num() { [[ $1 =~ ^[0-9.]+$ ]]; }
ratio() { # ratio A B: A/B with two decimals, or "–"
	if num "$1" && num "$2" && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
	else
		echo "–"
	fi
}
cell() { # a measurement as a table cell
	case $1 in
	timeout) echo ">${TIMEOUT}" ;;
	"") echo "–" ;;
	*) echo "$1" ;;
	esac
}

echo "xaccel lint vs nginx -t on generated configs (bench/lint.sh; best of $RUNS runs; $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'))"
echo
if [[ -n ${XACCEL:-} ]]; then
	what="xaccel binary $XACCEL"
else
	what="xaccel $(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?')"
fi
echo "$what, $(go version | cut -d' ' -f3), $([[ -n $nginx ]] && "$nginx" -v 2>&1 | sed 's/^nginx version: //' || echo 'no nginx')"
echo
per1k() { # per1k SECONDS SERVERS: milliseconds per 1,000 servers
	if num "$1"; then awk -v t="$1" -v n="$2" 'BEGIN { printf "%.1f", t * 1000 / (n / 1000) }'; else echo "–"; fi
}
echo "| servers | lines | xaccel s | xaccel MB | nginx -t s | nginx -t MB | xaccel/nginx time | xaccel ms per 1k servers | nginx -t ms per 1k servers |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
last=""
for n in $SIZES; do
	echo "| $n | ${lines[$n]} | $(cell "${xt[$n]}") | $(cell "${xm[$n]}") | $(cell "${nt[$n]}") | $(cell "${nm[$n]}") | $(ratio "${xt[$n]}" "${nt[$n]}") | $(per1k "${xt[$n]}" "$n") | $(per1k "${nt[$n]}" "$n") |"
	last=$n
done
echo
# The target, at the last size: time at most 0.35 of nginx -t's, under 150 MB.
r=$(ratio "${xt[$last]}" "${nt[$last]}")
if [[ $r == "–" ]] || ! num "${xm[$last]}"; then
	echo "target at $last servers (time <= 0.35 of nginx -t, < 150 MB): not measured"
else
	verdict() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo "holds" || echo "missed"; }
	echo "target at $last servers: time $r of nginx -t (want <= 0.35: $(verdict "$r" 0.35)), peak ${xm[$last]} MB (want < 150: $( ((xm[$last] < 150)) && echo holds || echo missed))"
fi
