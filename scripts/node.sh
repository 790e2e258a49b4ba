#!/usr/bin/env bash
# Sourced by scripts/pnpm.sh: puts Node 24 (the LTS Huddle runs and is tested on) first on PATH.
#
# A machine whose system Node is older gets Node 24 from the npm registry: the `node-linux-<arch>`
# package ships the official binary and headers. It is unpacked once under .tools/, and npm_config_nodedir
# points node-gyp at those headers, so native modules (better-sqlite3) build for Node 24 without a
# download from nodejs.org.
HUDDLE_NODE_VERSION=24.22.3
huddle_node_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

huddle_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(huddle_node_major)" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) huddle_node_arch=x64 ;;
    aarch64 | arm64) huddle_node_arch=arm64 ;;
    *) echo "No Node 24 package for $(uname -m): install Node 24 yourself" >&2; exit 1 ;;
  esac
  huddle_node_dir="${huddle_node_root}/.tools/node-v${HUDDLE_NODE_VERSION}-linux-${huddle_node_arch}"
  if [ ! -x "${huddle_node_dir}/bin/node" ]; then
    echo "System Node is $(node -v 2>/dev/null || echo missing); fetching Node ${HUDDLE_NODE_VERSION} from the npm registry…" >&2
    mkdir -p "${huddle_node_root}/.tools"
    huddle_node_tmp=$(mktemp -d "${huddle_node_root}/.tools/.node-XXXXXX")
    (cd "$huddle_node_tmp" && npm pack --silent "node-linux-${huddle_node_arch}@${HUDDLE_NODE_VERSION}" >/dev/null &&
      tar xzf "node-linux-${huddle_node_arch}-${HUDDLE_NODE_VERSION}.tgz")
    # Moved into place whole: a concurrent run either finds the finished directory or loses the rename.
    mv -T "${huddle_node_tmp}/package" "$huddle_node_dir" 2>/dev/null || true
    rm -rf "$huddle_node_tmp"
  fi
  export PATH="${huddle_node_dir}/bin:${PATH}"
  export npm_config_nodedir="$huddle_node_dir"
fi
