#!/usr/bin/env bash
# Installs what the tests and the demo need on a Debian machine (idempotent; needs root).
set -euo pipefail
packages=(iproute2 iputils-ping curl python3 python3-scapy nginx-light socat tshark tcpdump hping3 nmap iperf3 ethtool gcc make dnsmasq-base afl++)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# nginx-light ships a default site that listens on :80 in the root namespace; tests start their own.
systemctl disable --now nginx >/dev/null 2>&1 || true
