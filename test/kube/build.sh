#!/usr/bin/env bash
# Builds the real-cluster test tier's Kubernetes from Go modules: the control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl and etcd) and the node's kubelet and kube-proxy, all from one
# k8s.io/kubernetes version, into the layout fabric8 kube-api-test reads:
#   ${KUBE_API_TEST_DIR:-~/.kubeapitest}/k8s/<version>-linux-amd64/
# Idempotent: skips the build when that directory already holds this version's binaries.
# A command's packages need their go.sum entries first: go get k8s.io/kubernetes/cmd/NAME@vX.Y.Z.
# Another Kubernetes version: in go.mod, require k8s.io/kubernetes vX.Y.Z and replace each staging module
# (the `k8s.io/NAME => ./staging/...` lines of that version's own go.mod) with k8s.io/NAME v0.Y.Z; then go mod tidy.
set -euo pipefail
cd "$(dirname "$0")"

version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)  # e.g. v1.34.4
minor=$(echo "$version" | cut -d. -f2)
out="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${version#v}-linux-amd64"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy etcd)
stamp="$out/.built-from"
fingerprint="$version $(sha256sum go.mod go.sum etcd/main.go | sha256sum | cut -c1-16)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  echo "Kubernetes $version: already built in $out (0 s)"
  exit 0
fi

start=$SECONDS
mkdir -p "$out"
# Without these the binaries report v0.0.0-master, and kubectl version / discovery get confused.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
export CGO_ENABLED=0
go build -buildvcs=false -trimpath -ldflags "$ldflags" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$out/etcd" ./etcd
for b in "${binaries[@]}"; do test -x "$out/$b"; done
echo "$fingerprint" > "$stamp"
echo "Kubernetes $version: built in $out in $((SECONDS - start)) s"
