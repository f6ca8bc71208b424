#!/bin/sh
# The protected-download check: starts the Django app with X-Accel on, runs
# nginx/xaccel.conf in front of it with xaccel serve (no nginx needed), and
# runs the xaccel smoke probes against it. It fails (exit 1) when the
# download through the app breaks, or when a protected file can be fetched
# without asking the app (a lost internal;, a regex location that wins, an
# alias off by a slash...); exit 2 when it cannot run.
#
#   sh xaccel-check.sh
#
# Run it from anywhere; it works in the folder it lives in. It needs
# xaccel, curl and what the app needs (python3 with Django).
# The app must be able to listen on 127.0.0.1:8000.
#
# The download it checks is /files/xaccel-check.txt, asked for without
# signing in, for a file this script writes into a scratch private
# directory. Your permission check must grant that request in the test
# setup this script runs in (the generated one denies everything, so the
# check fails until you replace it), or set XACCEL_CHECK_VIA to a download
# your test data grants, as xaccel serve --via takes it.
#
# Written by: xaccel generate --backend django --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
set -eu
cd "$(dirname "$0")"

files=$(mktemp -d)
app=
cleanup() {
	if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; fi
	rm -rf "$files"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
printf 'xaccel check\n' > "$files/xaccel-check.txt"
via=${XACCEL_CHECK_VIA:-/files/xaccel-check.txt=@$files/xaccel-check.txt}

# The app, X-Accel on, reading the scratch private directory.
( export XACCEL_ENABLED=1 XACCEL_FILES_DIR="$files"; cd django && exec python3 manage.py runserver 127.0.0.1:8000 --noreload ) &
app=$!
tries=0
until curl -s -o /dev/null http://127.0.0.1:8000/; do
	tries=$((tries + 1))
	if [ "$tries" -ge 300 ] || ! kill -0 "$app" 2>/dev/null; then
		echo "xaccel-check.sh: the app did not answer on http://127.0.0.1:8000/ within 60 s" >&2
		exit 2
	fi
	sleep 0.2
done

# nginx's configuration in front of it; /srv/example/private-files is read from the
# scratch directory.
xaccel serve -c nginx/xaccel.conf --map-root /srv/example/private-files="$files" --smoke --via "$via"
