#!/bin/sh
# Builds and runs ping_flood.cc against Debian's ns-3 (apt-get install libns3-dev); prints one JSON line.
# The modules are linked by name: pkg-config's ns3-core also asks for GSL, which this program never uses.
set -e
here=$(dirname "$0")
out=${TMPDIR:-/tmp}/tunnel-lab-ns3-ping-flood
modules="core network internet point-to-point applications internet-apps"
g++ -O2 -std=c++17 -o "$out" "$here/ping_flood.cc" $(pkg-config --cflags ns3-core) \
  $(for m in $modules; do printf ' -lns3-%s' "$m"; done)
"$out" "$@"
