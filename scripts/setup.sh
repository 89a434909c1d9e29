#!/usr/bin/env bash
# Installs what building clinicplan needs and a new machine may lack: cmake, a C++
# compiler and libclang (HiGHS is built from source by highs-sys; bindgen needs libclang),
# Chromium (the end-to-end tests load the scenario report in headless Chromium) and nginx
# (the scale-out test runs deploy/nginx/clinicplan.conf in front of two servers).
# Safe to run again: it installs only what is missing. Needs root or sudo for apt-get.
set -euo pipefail

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
# libclang itself (libclang.so.N or libclang-N.so.N), not libclang-cpp, which bindgen
# cannot use and which some images have without it.
libclang=no
for f in /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* \
  /usr/lib/x86_64-linux-gnu/libclang.so* /usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so*; do
  [ -e "$f" ] && libclang=yes
done
if [ "$libclang" = no ]; then
  missing+=(libclang-dev clang)
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  missing+=(chromium)
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  missing+=(nginx-light)
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is not installed: install Rust with rustup (https://rustup.rs) first" >&2
  exit 2
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
fi
