#!/usr/bin/env bash
# Builds the agent image with buildah on a machine that reaches no image registry (this project's
# machines: Debian packages and the npm registry only). See docker/README.md, "Building here".
#   1. the base `node:20-slim` is made locally: a Debian bookworm rootfs (debootstrap, minbase)
#      plus this machine's Node.js 20 and npm, committed as docker.io/library/node:20-slim;
#   2. stage 1 of docker/agent.Dockerfile (npm ci + build-app.mjs) runs on this machine with the
#      Dockerfile's own build-app.mjs arguments: inside a fresh rootfs `npm ci` cannot reach the
#      registry (SELF_SIGNED_CERT_IN_CHAIN: the machine's TLS trust is not in the image);
#   3. the Dockerfile's final stage, as written, builds the image from that output
#      (localhost/flotilla/agent:dev), with buildah's chroot isolation and vfs storage.
# Needs root, and `apt-get install -y buildah debootstrap`. Work files go to .flotilla/oci/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${FLOTILLA_OCI_WORK:-$ROOT/.flotilla/oci}
IMAGE=${FLOTILLA_AGENT_IMAGE:-localhost/flotilla/agent:dev}
B=(buildah --storage-driver vfs)
[ "$(id -u)" = 0 ] || { echo "build-agent-image: needs root (debootstrap, buildah chroot isolation)" >&2; exit 2; }
for tool in buildah debootstrap node npm; do
  command -v "$tool" >/dev/null || { echo "build-agent-image: $tool is missing (apt-get install -y buildah debootstrap)" >&2; exit 2; }
done
mkdir -p "$WORK"

if ! "${B[@]}" inspect --type image docker.io/library/node:20-slim >/dev/null 2>&1; then
  if [ ! -x "$WORK/rootfs/bin/bash" ]; then
    rm -rf "$WORK/rootfs"
    debootstrap --variant=minbase bookworm "$WORK/rootfs"
  fi
  c=$("${B[@]}" from scratch)
  m=$("${B[@]}" mount "$c")
  cp -a "$WORK/rootfs/." "$m/"
  mkdir -p "$m/usr/local/bin" "$m/usr/local/lib/node_modules"
  cp -L "$(command -v node)" "$m/usr/local/bin/node"
  cp -a "$(npm root -g)/npm" "$m/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$m/usr/local/bin/npm"
  "${B[@]}" umount "$c"
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$c"
  "${B[@]}" run --isolation chroot "$c" -- node --version
  "${B[@]}" commit --rm "$c" docker.io/library/node:20-slim
fi

DOCKERFILE="$ROOT/docker/agent.Dockerfile"
ARGS=$(sed -n 's|^RUN node docker/build-app.mjs \(.*\) --out /out$|\1|p' "$DOCKERFILE")
[ -n "$ARGS" ] || { echo "build-agent-image: no 'RUN node docker/build-app.mjs … --out /out' line in $DOCKERFILE" >&2; exit 2; }
rm -rf "$WORK/agent" && mkdir -p "$WORK/agent"
# shellcheck disable=SC2086
(cd "$ROOT" && node docker/build-app.mjs $ARGS --out "$WORK/agent/out")
# The final stage, as written, reading the build stage's /out from the folder just built.
awk '/^FROM /{n++} n==2' "$DOCKERFILE" \
  | sed 's|^FROM node:20-slim$|FROM docker.io/library/node:20-slim|; s|^COPY --from=build /out /app$|COPY out /app|' \
  > "$WORK/agent/Containerfile"
grep -q '^COPY out /app$' "$WORK/agent/Containerfile" || { echo "build-agent-image: the final stage no longer copies /out to /app" >&2; exit 2; }
"${B[@]}" bud --isolation chroot --pull=never -f "$WORK/agent/Containerfile" -t "$IMAGE" "$WORK/agent"
echo "built $IMAGE"
