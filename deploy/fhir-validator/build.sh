#!/usr/bin/env bash
# The offline FHIR R4 validator's fat jar (HAPI FHIR, see pom.xml and Validate.java), for the tests.
# Usage: build.sh   prints the jar's path on stdout, building it first when needed.
# The jar lives in ~/.cache/liaison/fhir-validator/ (or $LIAISON_FHIR_VALIDATOR_CACHE), named by a hash
# of pom.xml and the sources, so an unchanged harness is not rebuilt. Maven keeps what it downloaded in
# ~/.m2: the first build fetches HAPI FHIR from Maven Central (a few minutes), later ones run offline
# first and go online only if something is missing. The build runs in a temporary copy, so the
# work tree gets no target/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${LIAISON_FHIR_VALIDATOR_CACHE:-$HOME/.cache/liaison/fhir-validator}"
key="$(cd "$here" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
jar="$cache/fhir-validator-$key.jar"

if [[ -f "$jar" ]]; then
  echo "$jar"
  exit 0
fi

command -v mvn >/dev/null || { echo "fhir-validator: mvn not found (Maven and a JDK 17 are needed)" >&2; exit 1; }
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/pom.xml" "$here/src" "$work/"
echo "fhir-validator: building the jar with Maven (the first build downloads HAPI FHIR: a few minutes)" >&2
if ! (cd "$work" && mvn -B -q -o package >"$work/offline.log" 2>&1); then
  (cd "$work" && mvn -B -q package >&2) || { echo "fhir-validator: the Maven build failed" >&2; exit 1; }
fi
cp "$work/target/fhir-validator.jar" "$jar.partial"
mv "$jar.partial" "$jar"
find "$cache" -maxdepth 1 -name 'fhir-validator-*.jar' ! -name "$(basename "$jar")" -delete
echo "$jar"
