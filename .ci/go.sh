# Sourced by .ci/run: makes `go` able to build every Go module the tests need (test/kube, test/compose, test/kstatus,
# test/promtool, test/registry, test/release-tools, image/sbom.sh), or fails the run saying why. Package mirrors come from
# the machine's own configuration: apt's sources for Debian's Go, and Go's own GOPROXY setting for toolchains and modules.

# The machine's Go if it has one, else Debian's from the machine's apt sources (bookworm: 1.19).
if ! command -v go >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq golang-go >/dev/null
fi

# Go 1.21 and later fetch the toolchain a go.mod asks for through the Go module proxy when GOTOOLCHAIN=auto (Go's own
# mechanism; a newer local Go fetches nothing). An older Go cannot, so it fetches test/kube's toolchain module itself,
# as a newer go command would, and hands over to it.
if [[ "$(go env GOVERSION)" =~ ^go1\.([0-9]+) ]] && (( BASH_REMATCH[1] < 21 )); then
  toolchain="golang.org/toolchain@v0.0.1-go$(sed -n 's/^go //p' test/kube/go.mod).$(go env GOOS)-$(go env GOARCH)"
  if ! goroot=$(cd /tmp && go mod download -json "$toolchain" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || [[ -z "$goroot" ]]; then
    echo "error: $(go env GOVERSION) cannot build the test tiers and could not fetch $toolchain through $(go env GOPROXY)" >&2
    exit 1
  fi
  # Module zips keep no file modes; the go command sets these bits itself when it switches to a toolchain.
  chmod +x "$goroot"/bin/* "$goroot"/pkg/tool/*/*
  export PATH="$goroot/bin:$PATH"
fi
export GOTOOLCHAIN=auto
if ! version=$(cd test/kube && go version); then
  echo "error: no Go for test/kube/go.mod: $(go env GOVERSION) could not fetch the toolchain it names through $(go env GOPROXY)" >&2
  exit 1
fi
echo "Go for the test tiers: $version"
