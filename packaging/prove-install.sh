#!/usr/bin/env bash
# Prove the Debian packages on a clean Debian: build both .deb files, lint them, debootstrap a minimal Debian of this
# machine's release into a temporary directory, install both packages there with their dependencies from apt's
# configured mirror, run the binaries, check users, permissions, masks and secrets, reinstall (postinst is
# idempotent, secrets are kept), verify the units, purge (data and keys stay), and print the time of each step.
#
#   bash packaging/prove-install.sh            # as root; ~7 min with warm release builds (README "Packaging")
#   KEEP=1 bash packaging/prove-install.sh     # keep the root in /tmp for a look afterwards
#
# Needs: cargo-deb (installed with `cargo install cargo-deb --locked` if missing), debootstrap, lintian, systemd's
# systemd-analyze, and the kms build's dev packages (all installed with apt-get if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

START=$(date +%s)
LAST=$START
step() {
    local now
    now=$(date +%s)
    [ "$LAST" = "$START" ] || echo "   ($((now - LAST)) s)"
    LAST=$now
    echo "== $*"
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
check() { # check DESCRIPTION COMMAND...: runs COMMAND in the chroot; fails the proof if it fails
    local what=$1
    shift
    if chroot "$ROOT" /bin/sh -c "$*" >/dev/null 2>&1; then
        echo "   ok: $what"
    else
        fail "$what ($*)"
    fi
}
same() { # same DESCRIPTION EXPECTED ACTUAL (owners: stat inside the root, whose users are not the host's)
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
    echo "   ok: $1 ($3)"
}

same_secret() { # same_secret DESCRIPTION EXPECTED ACTUAL, never printing them (digests of a key)
    [ "$2" = "$3" ] || fail "$1: they differ"
    echo "   ok: $1"
}

[ "$(id -u)" = 0 ] || fail "run as root (debootstrap and chroot)"
SUITE=$(. /etc/os-release && echo "$VERSION_CODENAME")
# The first Debian mirror apt is configured with (deb822 or one-line sources).
MIRROR=$( (grep -h -s -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list || true) |
    grep -v security | sed -n 1p | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*//')
[ -n "$MIRROR" ] || fail "no Debian mirror in apt's sources"

step "tools"
missing=()
for tool in debootstrap lintian systemd-analyze pkg-config; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
pkg-config --exists libinput xkbcommon libudev 2>/dev/null || missing+=(libinput-dev libxkbcommon-dev libudev-dev)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap lintian systemd pkg-config \
        libinput-dev libxkbcommon-dev libudev-dev >/dev/null
fi
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked

step "build the packages (release, kiosk with --features kms)"
KIOSK_DEB=$(cargo deb -p sanban-kiosk --locked 2>&1 | tee /dev/stderr | tail -n1)
PLATFORM_DEB=$(cargo deb -p sanban-platform --locked 2>&1 | tee /dev/stderr | tail -n1)
{ [ -f "$KIOSK_DEB" ] && [ -f "$PLATFORM_DEB" ]; } || fail "cargo deb did not print the package paths"
ls -l "$KIOSK_DEB" "$PLATFORM_DEB"
dpkg-deb -f "$KIOSK_DEB" Depends Installed-Size
dpkg-deb -f "$PLATFORM_DEB" Depends Installed-Size

step "lintian (errors fail; warnings listed)"
# Warnings accepted (README "Packaging"): no-manual-page (--help is the manual), non-standard-file-perm on
# /etc/sanban/kiosk.toml (0640 root:sanban on purpose: it holds the platform token), initial-upload-closes-no-bugs
# (the packages are not uploaded to Debian's archive).
lint_status=0
lint=$(lintian --fail-on error --tag-display-limit 0 "$KIOSK_DEB" "$PLATFORM_DEB" 2>&1) || lint_status=$?
printf '%s\n' "$lint" | grep -v 'root privileges' || true
[ "$lint_status" = 0 ] || fail "lintian reported errors"

WORK=$(mktemp -d /tmp/sanban-prove.XXXXXX)
ROOT=$WORK/root
cleanup() {
    set +e # best effort: unmount and remove everything even after a failed step
    for m in "$ROOT/dev/pts" "$ROOT/dev" "$ROOT/proc"; do
        mountpoint -q "$m" && umount -l "$m"
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "root kept in $ROOT"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log"; fail "debootstrap"; }
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mkdir -p "$ROOT/tmp/debs"
cp "$KIOSK_DEB" "$PLATFORM_DEB" "$ROOT/tmp/debs/"
KIOSK_IN=/tmp/debs/$(basename "$KIOSK_DEB")
PLATFORM_IN=/tmp/debs/$(basename "$PLATFORM_DEB")

step "install both packages with their dependencies"
chroot "$ROOT" apt-get update -qq
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$KIOSK_IN" "$PLATFORM_IN" >"$WORK/install.log" 2>&1 || { tail -n 30 "$WORK/install.log"; fail "apt-get install"; }
echo "   installed packages in the root: $(chroot "$ROOT" dpkg-query -W -f='.\n' | wc -l)"

step "run the binaries in the clean root"
chroot "$ROOT" sanban-kiosk --version
chroot "$ROOT" sanban-platform --version
# The kiosk user reads its config (root:sanban 0640); the token would show as <set>.
chroot "$ROOT" runuser -u sanban -- sanban-kiosk --config /etc/sanban/kiosk.toml config >"$WORK/config.out"
grep -q '^id = "K01"' "$WORK/config.out" || fail "sanban-kiosk config as the kiosk user"
echo "   ok: sanban-kiosk config, as the kiosk user, reads /etc/sanban/kiosk.toml"
# The shared libraries the package's Depends brought in are all there.
check "the kiosk binary finds every shared library" '! ldd /usr/bin/sanban-kiosk | grep -q "not found"'
# One frame, headless, as the kiosk user in a scratch directory: the embedded UI and fonts render here.
chroot "$ROOT" runuser -u sanban -- sh -c 'd=$(mktemp -d); timeout 10 sanban-kiosk --data-dir "$d" run --headless \
    2>/dev/null; rm -rf "$d"' >"$WORK/run.out" || true
grep -q "first frame rendered" "$WORK/run.out" || fail "headless first frame in the clean root"
echo "   ok: sanban-kiosk run --headless renders its first frame"
chroot "$ROOT" runuser -u sanban-platform -- sanban-platform kiosk add K01 --db /var/lib/sanban-platform/platform.db \
    >"$WORK/token" 2>/dev/null
[ -s "$WORK/token" ] || fail "sanban-platform kiosk add"
echo "   ok: sanban-platform kiosk add K01 (as sanban-platform) issued a token"

step "users, permissions, secrets, lock-down"
same "kiosk user's shell" /usr/sbin/nologin "$(chroot "$ROOT" getent passwd sanban | cut -d: -f7)"
same "platform user's shell" /usr/sbin/nologin "$(chroot "$ROOT" getent passwd sanban-platform | cut -d: -f7)"
groups=$(chroot "$ROOT" id -nG sanban)
for g in dialout video input render; do
    if chroot "$ROOT" getent group "$g" >/dev/null; then
        case " $groups " in *" $g "*) echo "   ok: sanban in $g" ;; *) fail "sanban not in $g ($groups)" ;; esac
    fi
done
same "/var/lib/sanban" "sanban:sanban 750" "$(chroot "$ROOT" stat -c '%U:%G %a' /var/lib/sanban)"
same "/etc/sanban/kiosk.toml" "root:sanban 640" "$(chroot "$ROOT" stat -c '%U:%G %a' /etc/sanban/kiosk.toml)"
same "/etc/sanban/secrets" "root:root 700" "$(chroot "$ROOT" stat -c '%U:%G %a' /etc/sanban/secrets)"
same "data.key" "root:root 600 32" "$(chroot "$ROOT" stat -c '%U:%G %a %s' /etc/sanban/secrets/data.key)"
same "maintenance.toml" "root:root 600" "$(chroot "$ROOT" stat -c '%U:%G %a' /etc/sanban/secrets/maintenance.toml)"
check "maintenance.toml holds no PIN" '! grep -v "^#" /etc/sanban/secrets/maintenance.toml | grep -q .'
check "the kiosk user cannot read the data key" '! runuser -u sanban -- cat /etc/sanban/secrets/data.key'
check "the kiosk user cannot read the maintenance file" '! runuser -u sanban -- cat /etc/sanban/secrets/maintenance.toml'
check "another user cannot read the kiosk config" '! runuser -u nobody -- cat /etc/sanban/kiosk.toml'
same "/var/lib/sanban-platform" "sanban-platform:sanban-platform 750" \
    "$(chroot "$ROOT" stat -c '%U:%G %a' /var/lib/sanban-platform)"
same "getty@tty1 masked" /dev/null "$(readlink "$ROOT/etc/systemd/system/getty@tty1.service")"
same "ctrl-alt-del.target masked" /dev/null "$(readlink "$ROOT/etc/systemd/system/ctrl-alt-del.target")"
check "the kiosk unit is enabled" 'test -L /etc/systemd/system/multi-user.target.wants/sanban-kiosk.service'
check "the platform unit is enabled" 'test -L /etc/systemd/system/multi-user.target.wants/sanban-platform.service'
check "udev rules installed" 'test -f /usr/lib/udev/rules.d/99-sanban-devices.rules'
check "logind: no autovt, no reserved VT" 'grep -qx "NAutoVTs=0" /usr/lib/systemd/logind.conf.d/sanban-kiosk.conf'
check "no SysRq" 'grep -qx "kernel.sysrq = 0" /usr/lib/sysctl.d/60-sanban-kiosk.conf'

step "systemd-analyze verify the units (in the root)"
chroot "$ROOT" systemd-analyze verify /usr/lib/systemd/system/sanban-kiosk.service \
    /usr/lib/systemd/system/sanban-platform.service || fail "systemd-analyze verify"
echo "   ok: both units verify"
for unit in sanban-kiosk sanban-platform; do
    score=$(chroot "$ROOT" systemd-analyze security --offline=true "/usr/lib/systemd/system/$unit.service" 2>/dev/null |
        grep -o 'Overall exposure level for .*' || true)
    echo "   $score"
done

step "reinstall: postinst again keeps the secrets and the masks"
key_before=$(sha256sum <"$ROOT/etc/sanban/secrets/data.key")
echo "# PIN hashes would be here" >>"$ROOT/etc/sanban/secrets/maintenance.toml"
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$KIOSK_IN" "$PLATFORM_IN" \
    >>"$WORK/install.log" 2>&1 || fail "reinstall"
same_secret "data key kept" "$key_before" "$(sha256sum <"$ROOT/etc/sanban/secrets/data.key")"
check "maintenance file kept" 'grep -q "PIN hashes would be here" /etc/sanban/secrets/maintenance.toml'
same "/etc/sanban/kiosk.toml after reinstall" "root:sanban 640" "$(chroot "$ROOT" stat -c '%U:%G %a' /etc/sanban/kiosk.toml)"

step "remove and purge: units gone, masks undone, data and keys kept"
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sanban-kiosk sanban-platform \
    >>"$WORK/install.log" 2>&1 || fail "purge"
check "binary removed" '! test -e /usr/bin/sanban-kiosk'
check "kiosk config purged" '! test -e /etc/sanban/kiosk.toml'
check "getty@tty1 unmasked" '! test -e /etc/systemd/system/getty@tty1.service'
check "ctrl-alt-del.target unmasked" '! test -e /etc/systemd/system/ctrl-alt-del.target'
check "kiosk unit disabled" '! test -e /etc/systemd/system/multi-user.target.wants/sanban-kiosk.service'
check "kiosk data kept" 'test -d /var/lib/sanban'
check "data key kept" 'test -s /etc/sanban/secrets/data.key'
check "platform database kept" 'test -s /var/lib/sanban-platform/platform.db'
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$KIOSK_IN" >>"$WORK/install.log" 2>&1 ||
    fail "install after purge"
same_secret "the kept data key is used again" "$key_before" "$(sha256sum <"$ROOT/etc/sanban/secrets/data.key")"

step "done"
echo "proved in $(($(date +%s) - START)) s: $(basename "$KIOSK_DEB") $(du -h "$KIOSK_DEB" | cut -f1)," \
    "$(basename "$PLATFORM_DEB") $(du -h "$PLATFORM_DEB" | cut -f1)"
