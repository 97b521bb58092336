#!/usr/bin/env bash
# scripts/pack.sh make|unpack [DIR] — runs the built toolkit on a Linux x86-64 machine that has neither Node
# nor Redis nor a network (a lent scale machine, for `npm run bench:idle` at 1,000,000 sockets).
#   make    (here, after npm run build) writes DIR/bfg.tar.xz (DIR: .pack, ignored by git): this machine's Node
#           binary, redis-server and redis-cli with the shared libraries they link beyond the C and C++
#           runtimes (Node needs glibc 2.28, Redis 2.34), dist/ and the runtime packages that serve,
#           load and the benches import (not the report's canvas stack, which links Debian's cairo).
#   unpack  (there, with .pack carried) extracts DIR/bfg.tar.xz with python3 (no xz needed) into DIR's
#           parent (the repository root): dist/, node_modules/ and .pack/bin; checks that node and
#           redis-server start.
# Then, there: PATH=$PWD/.pack/bin:$PATH; ulimit -n "$(ulimit -Hn)"; node dist/bench/idle.bench.js
set -euo pipefail
# DIR as the caller named it (default: the repository's .pack)
dir=$(realpath -m "${2:-$(dirname "$0")/../.pack}")
cd "$(dirname "$0")/.."

case "${1:-}" in
  make)
    [ -f dist/bin/bfg.js ] || { echo "pack: no build here: run npm run build first" >&2; exit 2; }
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/.pack/bin" "$stage/.pack/redis" "$stage/node_modules"
    cp "$(command -v node)" "$stage/.pack/bin/node"
    # redis-server is a link to redis-check-rdb, which picks its mode by the name it runs under
    for b in redis-server redis-cli; do
      cp -L "$(command -v "$b")" "$stage/.pack/redis/$b"
      printf '#!/bin/sh\nd=$(dirname "$(readlink -f "$0")")/../redis\nLD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$d/%s" "$@"\n' "$b" > "$stage/.pack/bin/$b"
      chmod +x "$stage/.pack/bin/$b"
    done
    ldd "$(readlink -f "$(command -v redis-server)")" "$(command -v redis-cli)" | awk '$3 ~ /^\// {print $3}' | sort -u \
      | grep -v -E '/(libc|libm|libdl|libpthread|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so' \
      | while read -r lib; do cp -L "$lib" "$stage/.pack/redis/"; done
    # the runtime packages and everything they need, from npm's own tree (not the dev tools, not canvas)
    npm ls --omit=dev --all --parseable 2>/dev/null | grep '/node_modules/' | sed 's|.*/node_modules/|node_modules/|' | sort -u \
      | grep -v -E '^node_modules/(canvas|chart\.js|chartjs-node-canvas|artillery-engine-bfg|@mapbox|node-addon-api|prebuild-install|simple-get|tar-fs)(/|$)' \
      | while read -r p; do mkdir -p "$stage/$(dirname "$p")"; [ -e "$stage/$p" ] || cp -r "$p" "$stage/$p"; done
    cp -r dist "$stage/dist"
    cp package.json "$stage/" # its "type": "module" makes dist's files ES modules
    mkdir -p "$dir"
    tar -C "$stage" -cf - .pack dist node_modules package.json | xz -T0 -6 > "$dir/bfg.tar.xz"
    echo "pack: $dir/bfg.tar.xz $(du -m "$dir/bfg.tar.xz" | cut -f1) MiB (node $(node --version), $(redis-server --version | awk '{print $3}')); carry .pack, then: bash scripts/pack.sh unpack"
    ;;
  unpack)
    [ -f "$dir/bfg.tar.xz" ] || { echo "pack: no $dir/bfg.tar.xz: run scripts/pack.sh make where the toolkit is built, and carry .pack" >&2; exit 2; }
    root=$(dirname "$dir")
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$dir/bfg.tar.xz" "$root"
    "$root/.pack/bin/node" -e 'console.log(`pack: node ${process.version}`)'
    "$root/.pack/bin/redis-server" --version
    echo "pack: unpacked; now PATH=\$PWD/.pack/bin:\$PATH and ulimit -n \"\$(ulimit -Hn)\" before a run"
    ;;
  *) echo "usage: scripts/pack.sh make|unpack [DIR]" >&2; exit 2 ;;
esac
