#!/usr/bin/env bash
# Build dist/calmcue_<version>_amd64.deb (Debian 12): a self-contained CalmCue in its own Python environment
# (a venv on Debian's python3.11) under /opt/calmcue, /usr/bin/calmcue, a desktop entry and icon, an XDG
# autostart entry that is off until IT turns it on, and /etc/xdg/calmcue/policy.toml as a conffile.
#   usage: packaging/linux/build_deb.sh WHEEL OUTDIR
# Wheels are kept in ~/.cache/calmcue/linux-wheels (CALMCUE_CACHE), so a rebuild fetches nothing.
set -euo pipefail

wheel="$(realpath "$1")"
outdir="$(realpath -m "$2")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PY:-python3}"  # any Python 3.11 with pip, to fetch and install wheels (make package passes the venv's)
SYSPY=/usr/bin/python3.11  # Debian's: the package depends on it
repo="$(cd "$here/../.." && pwd)"
cache="${CALMCUE_CACHE:-$HOME/.cache/calmcue}/linux-wheels"
version="$(basename "$wheel" | cut -d- -f2)"
work="$repo/build/deb"
root="$work/root"
app=/opt/calmcue

rm -rf "$work" && mkdir -p "$root" "$cache" "$outdir"

# 1. Every dependency as a wheel in the cache; a wheel that cannot be fetched fails with the package's name.
# First from the cache alone (no network); only what is missing is fetched.
if "$PY" -m pip download --only-binary=:all: --no-index --find-links "$cache" --dest "$cache" "$wheel" \
        >"$work/pip-download.log" 2>&1; then
    :
elif ! "$PY" -m pip download --only-binary=:all: --find-links "$cache" --dest "$cache" "$wheel" \
        >"$work/pip-download.log" 2>&1; then
    missing="$(grep -oE 'No matching distribution found for [^ ]+' "$work/pip-download.log" | head -1 | awk '{print $NF}')"
    echo "build_deb: cannot fetch a wheel for ${missing:-a dependency} (details: $work/pip-download.log)" >&2
    exit 1
fi
rm -f "$cache"/calmcue-*.whl  # only the dependencies are cached

# 2. The environment, built where it will live (inside the staging root), then its paths set to /opt/calmcue.
"$SYSPY" -m venv --without-pip "$root$app"
"$PY" -m pip --python "$root$app/bin/python" install --quiet --no-index --find-links "$cache" \
    --no-compile --no-warn-script-location "$wheel"
grep -rlF "$root$app" "$root$app/bin" | xargs -r sed -i "s#$root$app#$app#g"
sed -i "s#$root$app#$app#g" "$root$app/pyvenv.cfg"
find "$root$app" -name __pycache__ -prune -exec rm -rf {} +
# Only the calmcue entry point is ours; the libraries' own command-line tools are not shipped.
find "$root$app/bin" -mindepth 1 ! -name calmcue ! -name 'python*' -delete

# 3. The files around it.
install -d "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/icons/hicolor/scalable/apps" \
    "$root/etc/xdg/calmcue" "$root/etc/xdg/autostart" "$root/usr/share/doc/calmcue" \
    "$root/usr/share/lintian/overrides" "$root/DEBIAN"
ln -s "$app/bin/calmcue" "$root/usr/bin/calmcue"
install -m 644 "$here/calmcue.desktop" "$root/usr/share/applications/calmcue.desktop"
install -m 644 "$here/calmcue-autostart.desktop" "$root/etc/xdg/autostart/calmcue.desktop"
install -m 644 "$here/calmcue.svg" "$root/usr/share/icons/hicolor/scalable/apps/calmcue.svg"
install -m 644 "$here/policy.toml" "$root/etc/xdg/calmcue/policy.toml"
install -m 644 "$here/copyright" "$root/usr/share/doc/calmcue/copyright"
install -m 644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/calmcue"
printf 'calmcue (%s) stable; urgency=medium\n\n  * Release %s (see the project history).\n\n -- CalmCue developers <calmcue@localhost>  %s\n' \
    "$version" "$version" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct)}")" \
    | gzip -9n >"$root/usr/share/doc/calmcue/changelog.gz"

# 4. Package metadata and maintainer scripts.
size_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size_kb/" "$here/control.in" >"$root/DEBIAN/control"
install -m 644 "$here/conffiles" "$root/DEBIAN/conffiles"
install -m 755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
find "$root" -type d -exec chmod 755 {} +

deb="$outdir/calmcue_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zzstd -z3 --build "$root" "$deb" >/dev/null
echo "$deb"
