#!/usr/bin/env bash
# Sets up pysym on a fresh Debian machine: system packages, Python packages, the Gradle build
# (Java core + JNI library). Then runs the tutorial demo, unless --no-demo is given.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
need_apt=""
# graphviz: the dot binary that renders network pictures (pysym.viz, Visualization.plotNetwork)
for pkg in gradle gcc libdnnl-dev libopenblas-dev openjdk-17-jdk-headless graphviz; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt="$need_apt $pkg"
done
if [ -n "$need_apt" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_apt
fi

python3 -m pip install -q --root-user-action=ignore "jpype1>=1.5" "numpy>=1.24" "pytest>=7" "graphviz>=0.20" "scikit-learn>=1.3"
python3 -m pip install -q --root-user-action=ignore --no-deps -e .

gradle -q --console=plain jar buildNative scalaJar scala3Jar

if [ "${1:-}" != "--no-demo" ]; then
    python3 -m pysym.demo
fi
