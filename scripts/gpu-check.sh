#!/usr/bin/env bash
# The GPU check, on a bare GPU machine (no Node, no network) from a checkout that carries .gpu-check/
# (made by scripts/gpu-check-build.sh): trains the reference's best configuration on the webgpu
# backend (synthetic CIFAR-format data made on the spot), benches the step against PyTorch CUDA, and
# prints one JSON object as the last line of stdout. Progress goes to stderr.
#   bash scripts/gpu-check.sh [gpuCheck flags, e.g. --iters 300]
# Vulkan: the machine's loader if it has one, else Debian's libvulkan1 unpacked here (no root
# needed); the driver is NVIDIA's ICD unless VK_ICD_FILENAMES says otherwise (SwiftShader, to try
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
has_loader() {
  ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && return 0
  local d dirs
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [ -e "$d/libvulkan.so.1" ] && return 0; done
  return 1
}
if ! has_loader; then
  if [ ! -d vulkan ]; then
    for f in debs/libvulkan1_*.deb; do
      if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$f" vulkan
      else mkdir -p vulkan && (cd vulkan && ar x "../$f" data.tar.xz && tar xf data.tar.xz && rm data.tar.xz); fi
    done
  fi
  export LD_LIBRARY_PATH="$carry/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
echo "node $(./node --version), Vulkan driver $VK_ICD_FILENAMES" >&2
exec ./node bundle/gpuCheck.mjs --bench-script "$carry/bundle/trainStep.mjs" "$@"
