#!/usr/bin/env bash
# Baseline tools for the benchmarks, from Debian's packages: ripgrep (ingest, hunt), openssl (audit, integrity),
# b3sum (integrity).
set -euo pipefail
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v openssl >/dev/null || missing+=(openssl)
command -v b3sum >/dev/null || missing+=(b3sum)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "bench/setup.sh: install ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
