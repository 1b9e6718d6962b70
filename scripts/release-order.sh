#!/usr/bin/env bash
# The order in which the workspace's crates reach crates.io: a crate goes up
# only after every workspace crate it depends on (dev-dependencies included,
# since crates.io checks those too).
#
#   scripts/release-order.sh             print the order, one crate a line
#   scripts/release-order.sh --dry-run   `cargo publish --dry-run` crate by crate, in order;
#                                        before the first release only the first crate can
#                                        pass (the others need their dependencies published)
#   scripts/release-order.sh --workspace `cargo publish --dry-run --workspace`: every crate
#                                        packaged and built against the others, as released
#   scripts/release-order.sh --publish   `cargo publish` crate by crate, in order (needs a
#                                        crates.io token; cargo waits until each crate is in
#                                        the index before the next one goes up)
#
# Release steps: bump `version` in `[workspace.package]` and the `version` of
# each `clerk-m2m-*` entry in `[workspace.dependencies]`, run `.ci/run`,
# commit, tag `vX.Y.Z`, then `scripts/release-order.sh --publish`.
set -euo pipefail
cd "$(dirname "$0")/.."

order=$(cargo metadata --format-version 1 --no-deps --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
members = {p["name"]: p for p in meta["packages"]
           if p["id"] in meta["workspace_members"] and p.get("publish") != []}
needs = {name: {d["name"] for d in p["dependencies"] if d["name"] in members and d.get("req") != "*"}
         for name, p in members.items()}
order, placed = [], set()
while len(order) < len(members):
    ready = sorted(name for name in members if name not in placed and needs[name] <= placed)
    if not ready:
        sys.exit("dependency cycle among " + ", ".join(sorted(set(members) - placed)))
    order.extend(ready)
    placed.update(ready)
print("\n".join(order))
')

case "${1:-}" in
  "")
    echo "$order"
    ;;
  --dry-run)
    failed=0
    for crate in $order; do
      echo "== cargo publish --dry-run -p $crate"
      if cargo publish --dry-run --locked -p "$crate"; then
        echo "== $crate: ok"
      else
        echo "== $crate: FAILED"
        failed=1
      fi
    done
    exit "$failed"
    ;;
  --workspace)
    cargo publish --dry-run --locked --workspace
    ;;
  --publish)
    for crate in $order; do
      echo "== cargo publish -p $crate"
      cargo publish --locked -p "$crate"
    done
    ;;
  *)
    echo "usage: $0 [--dry-run | --workspace | --publish]" >&2
    exit 2
    ;;
esac
