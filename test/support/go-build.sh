# Sourced by the harness's build scripts (kube/build.sh, s3/build.sh, franz-go/build.sh): build a Go binary from
# a small wrapper module (go.mod, go.sum, maybe main.go) through the Go module proxy, into a
# cache directory, again only when the wrapper changed. Not run on its own.
#
#   source "$(dirname "$0")/../go-build.sh"
#   go_build BIN_DIR NAME WRAPPER_DIR PACKAGE LDFLAGS REBUILD   # REBUILD non-empty: build anyway
#
# Compiles at the lowest CPU priority (nice 19) so a test run beside it keeps its timing;
# GOFLAGS from the environment is respected (e.g. GOFLAGS=-p=1).

# Go is needed only to build: a machine with current binaries in the cache can do without.
GO=$(command -v go || echo /usr/local/go/bin/go)
need_go() { [[ -x "$GO" ]] || { echo "build.sh: no go toolchain found (need go >= 1.26 on PATH)" >&2; exit 1; }; }

mod_version() { # mod_version DIR MODULE -> the version DIR/go.mod requires
  local v
  v=$(grep -oE "^[[:space:]]*(require[[:space:]]+)?$2 v[^[:space:]]+" "$1/go.mod" | awk '{print $NF}' | head -n1)
  [[ -n "$v" ]] || { echo "build.sh: $1/go.mod does not require $2" >&2; exit 1; }
  echo "$v"
}

# The wrapper's files, hashed: the stamp beside a binary says what it was built from.
fingerprint() { (cd "$1" && cat go.mod go.sum $(ls ./*.go 2>/dev/null); uname -m) | sha256sum | cut -c1-16; }

go_build() { # go_build BIN_DIR NAME WRAPPER_DIR PACKAGE LDFLAGS REBUILD
  local bin=$1 name=$2 dir=$3 pkg=$4 ldflags=$5 rebuild=$6
  local stamp="$bin/.$name.stamp" want
  want=$(fingerprint "$dir")
  if [[ -z "$rebuild" && -x "$bin/$name" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    echo "build.sh: $name is up to date" >&2
    return
  fi
  need_go
  echo "build.sh: building $name ($pkg) ..." >&2
  local start=$SECONDS tmp="$bin/.$name.tmp.$$"
  # -trimpath and no VCS stamping keep the binary independent of this checkout;
  # -mod=readonly fails loudly if go.mod/go.sum are not tidy.
  (cd "$dir" && CGO_ENABLED=0 nice -n 19 "$GO" build -mod=readonly -trimpath -buildvcs=false \
    -ldflags "-s -w $ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$bin/$name"   # atomic: a concurrent reader never sees half a binary
  echo "$want" > "$stamp"
  echo "build.sh: built $name in $((SECONDS - start)) s ($(du -m "$bin/$name" | cut -f1) MB)" >&2
}
