#!/usr/bin/env bash
# Installs what segrt needs to build and test, from Debian's packages only.
# The Vulkan packages build the Vulkan backend; mesa-vulkan-drivers gives CI lavapipe (a CPU device).
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config libopenblas-dev zlib1g-dev libstb-dev
      doctest-dev nlohmann-json3-dev libvulkan-dev glslang-tools spirv-tools mesa-vulkan-drivers)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "segrt: build dependencies present"
  exit 0
fi
echo "segrt: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
