#!/usr/bin/env bash
# The GPU check, on a bare GPU machine (no Node, no network) from a checkout that carries .gpu-check/
# (made by scripts/gpu-check-build.sh): trains the reference's best configuration on the webgpu
# backend (synthetic CIFAR-format data made on the spot), benches the step against PyTorch CUDA, and
# prints one JSON object as the last line of stdout. Progress goes to stderr.
#   bash scripts/gpu-check.sh [gpuCheck flags, e.g. --iters 300]
# Vulkan: the driver is NVIDIA's ICD unless VK_ICD_FILENAMES says otherwise (SwiftShader, to try
# this on a CPU machine: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
# LD_LIBRARY_PATH=/usr/lib/chromium, with small flags).
set -euo pipefail
carry="$(cd "$(dirname "$0")/.." && pwd)/.gpu-check"
[ -d "$carry/bundle" ] || { echo "no $carry: run scripts/gpu-check-build.sh first (on a machine with the repo installed)" >&2; exit 2; }
cd "$carry"
if [ ! -x ./node ]; then
  if command -v xz >/dev/null; then xz -dc node.xz > node.tmp
  else python3 -c "import lzma,shutil;shutil.copyfileobj(lzma.open('node.xz'),open('node.tmp','wb'))"; fi
  chmod +x node.tmp && mv node.tmp node
fi
has_lib() {
  ldconfig -p 2>/dev/null | grep -qF "$1 " && return 0
  local d dirs
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [ -e "$d/$1" ] && return 0; done
  return 1
}
# The Vulkan loader and libglvnd's GL libraries: NVIDIA's Vulkan driver is libGLX_nvidia, which
# needs them (on the H200 machine, with the loader and libGLdispatch alone, it gave the loader no
# vkCreateInstance). The machine's own where it has them, else Debian's unpacked here (no root).
unpacked=0
for pair in libvulkan1:libvulkan.so.1 libglvnd0:libGLdispatch.so.0 libglx0:libGLX.so.0 libgl1:libGL.so.1 \
  libegl1:libEGL.so.1 libopengl0:libOpenGL.so.0 libgles2:libGLESv2.so.2; do
  has_lib "${pair#*:}" && continue
  for f in debs/"${pair%%:*}"_*.deb; do
    if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$f" vulkan
    else mkdir -p vulkan && (cd vulkan && ar x "../$f" data.tar.xz && tar xf data.tar.xz && rm data.tar.xz); fi
  done
  unpacked=1
done
[ "$unpacked" = 0 ] || export LD_LIBRARY_PATH="$carry/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
echo "node $(./node --version), Vulkan driver $VK_ICD_FILENAMES" >&2
exec ./node bundle/gpuCheck.mjs --bench-script "$carry/bundle/trainStep.mjs" "$@"
