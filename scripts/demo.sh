#!/usr/bin/env bash
# Copies the built-in demo project into a fresh temp repo and walks the engine through a task:
# create it, make a step commit by hand in its worktree, list, show and diff it. Nothing here
# touches the factory checkout itself.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
factory() { node "$here/dist/cli/main.js" "$@"; }
[ -f "$here/dist/cli/main.js" ] || (cd "$here" && npm run build >/dev/null)

demo="$(mktemp -d "${TMPDIR:-/tmp}/factory-demo-XXXXXX")"
cp -R "$here/fixtures/demo-repo/." "$demo/"
cd "$demo"
git init -q -b main
git add -A
git -c user.name=demo -c user.email=demo@example.com commit -qm "demo project"
echo "demo repo: $demo"

factory init
factory new "Fix the off-by-one in pagination"
wt="$(factory list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].worktree))')"
echo "the task worktree is $wt; your tree at $demo is untouched:"
git status --short
factory list
factory show 1
