#!/usr/bin/env bash
# Prepares .gpu-check/ (ignored; under 60 MB) for scripts/gpu-check.sh on a GPU machine that has no
# Node and no network: the GPU check and the bench bundled with esbuild, dawn.node beside them, koffi
# (the BLAS binding that the engine imports), the NumPy and PyTorch peers, this machine's node
# xz-compressed, and Debian's Vulkan loader and libglvnd's GL libraries (NVIDIA's Vulkan driver is
# libGLX_nvidia, which needs them) as .debs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu-check
nn=packages/nn
# (node and vulkan/ are what gpu-check.sh unpacks: a trial run here left them.)
rm -rf "$out/bundle" "$out/node" "$out/vulkan" && mkdir -p "$out/bundle/dist/linux-x64" "$out/bundle/node_modules/@koromix" "$out/debs"
for entry in gpuCheck trainStep; do
  # createRequire banner: bundled CommonJS dependencies (seedrandom, tfjs) call require().
  "$nn/node_modules/.bin/esbuild" "$nn/bench/$entry.ts" --bundle --platform=node --format=esm --target=node20 \
    --external:'*.node' --external:koffi --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --outfile="$out/bundle/$entry.mjs" --log-level=error \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
done
cp "$nn"/bench/cifarData.py "$nn"/bench/numpyStep.py "$nn"/bench/numpyTrain.py "$nn"/bench/torchStep.py "$out/bundle/"
# The webgpu package loads dist/<platform>-<arch>/dawn.node relative to its module: the bundle here.
webgpu=$(readlink -f "$nn/node_modules/webgpu")
cp "$webgpu/dist/linux-x64/dawn.node" "$out/bundle/dist/linux-x64/"
# (pnpm's layout: the platform binary package is a sibling of koffi's folder.)
koffi=$(readlink -f "$nn/node_modules/koffi")
cp -rL "$koffi" "$out/bundle/node_modules/koffi"
cp -rL "$(dirname "$koffi")/@koromix/koffi-linux-x64" "$out/bundle/node_modules/@koromix/"
[ -f "$out/node.xz" ] || xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
for pkg in libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2; do
  ls "$out/debs/${pkg}"_*.deb >/dev/null 2>&1 || (cd "$out/debs" && apt-get download "$pkg")
done
du -sh "$out"
