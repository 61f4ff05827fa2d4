# Shared pieces of ./scripts/serve, ./scripts/build and ./scripts/test.
#
# Sourced, not run. Every `ensure_*` function installs one thing only when it is
# missing (or at the wrong version), so a second run costs a few checks.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1

# rustup installs cargo here; a non-login shell (CI) may not have it on PATH yet.
if [ -d "$HOME/.cargo/bin" ]; then
    case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
fi
export PATH

WASM_TARGET=wasm32-unknown-unknown
PKG_DIR="$ROOT/www/pkg"
# The npm `binaryen` build. Never Debian's binaryen: its older wasm-opt produces a
# module that validates but fails at load with "WebAssembly.Table.set(): Argument 1
# is invalid for table".
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
# -O3: the page favours speed over size. The features are the ones rustc enables by
# default for wasm32-unknown-unknown (wasm-opt would also read them from the module's
# target_features section, but that section is not guaranteed to survive); without
# them wasm-opt rejects the input. Current Chromium, Firefox, Safari and Node 20 have
# all of them.
WASM_OPT_FLAGS=(-O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-reference-types --enable-multivalue)

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Root runs apt-get directly; anyone else goes through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

sha256_of() { sha256sum "$@" | awk '{print $1}' | sha256sum | awk '{print $1}'; }

require_cargo() {
    command -v cargo >/dev/null 2>&1 ||
        die "cargo not found. Install Rust with rustup (https://rustup.rs), then run this again."
}

ensure_wasm_target() {
    require_cargo
    if ! rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
        log "installing the Rust target $WASM_TARGET"
        rustup target add "$WASM_TARGET"
    fi
}

# The wasm-bindgen version that Cargo.lock resolved; the CLI must match it exactly.
locked_wasm_bindgen_version() {
    awk '$0 == "name = \"wasm-bindgen\"" { found = 1; next }
         found && /^version = / { gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_bindgen_cli() {
    require_cargo
    local want have
    want="$(locked_wasm_bindgen_version)"
    [ -n "$want" ] || die "no wasm-bindgen entry in Cargo.lock"
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
    if [ "$have" != "$want" ]; then
        log "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes about two minutes"
        # No --locked: the lockfile shipped with wasm-bindgen-cli names a transitive
        # version the registry no longer serves, so a locked install fails.
        cargo install wasm-bindgen-cli --version "$want" --force
    fi
    command -v wasm-bindgen-test-runner >/dev/null 2>&1 ||
        die "wasm-bindgen-test-runner missing after installing wasm-bindgen-cli"
}

# `npm ci` when node_modules is missing or package-lock.json changed since the last install.
ensure_npm_deps() {
    command -v npm >/dev/null 2>&1 || die "npm not found; install Node.js 20 or later"
    local stamp="$ROOT/node_modules/.mqtt-lab-lock.sha256" want
    want="$(sha256_of "$ROOT/package-lock.json")"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing npm packages (npm ci)"
        (cd "$ROOT" && npm ci --no-audit --no-fund)
        printf '%s\n' "$want" >"$stamp"
    fi
}

# ensure_apt_packages PATH:PACKAGE ...: installs PACKAGE when PATH is not there.
# `apt-get update` runs once, and only when something is missing.
ensure_apt_packages() {
    local missing=() pair
    for pair in "$@"; do
        [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# paho-mqtt for the interop tests (tests/interop/paho_client.py), at the pinned version.
PAHO_VERSION=2.2.0
ensure_python_packages() {
    command -v python3 >/dev/null 2>&1 || die "python3 not found; install Python 3"
    if [ "$(python3 -c 'import paho.mqtt; print(paho.mqtt.__version__)' 2>/dev/null)" = "$PAHO_VERSION" ]; then
        return 0
    fi
    log "installing paho-mqtt $PAHO_VERSION (pip)"
    # A Debian system Python refuses user packages unless told otherwise (PEP 668).
    python3 -m pip install --quiet "paho-mqtt==$PAHO_VERSION" ||
        python3 -m pip install --quiet --break-system-packages "paho-mqtt==$PAHO_VERSION"
}

# Everything the wasm build needs.
ensure_build_tools() {
    ensure_wasm_target
    ensure_wasm_bindgen_cli
    ensure_npm_deps
    [ -x "$WASM_OPT" ] || die "$WASM_OPT missing after npm ci"
}

# Release wasm -> wasm-bindgen (web target) -> wasm-opt, into www/pkg.
# wasm-bindgen and wasm-opt are skipped when neither their input nor the tools changed.
build_wasm() {
    local crate=mqtt_lab
    local raw="$ROOT/target/$WASM_TARGET/release/$crate.wasm"
    cargo build --release --target "$WASM_TARGET" --lib

    local stamp="$PKG_DIR/.build-stamp" want
    want="$(sha256_of "$raw"):$(wasm-bindgen --version):$("$WASM_OPT" --version):${WASM_OPT_FLAGS[*]}"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$PKG_DIR/${crate}_bg.wasm" ]; then
        log "www/pkg is up to date"
        return 0
    fi

    rm -rf "$PKG_DIR"
    wasm-bindgen --target web --out-dir "$PKG_DIR" "$raw"
    "$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "$PKG_DIR/${crate}_bg.wasm" -o "$PKG_DIR/${crate}_bg.opt.wasm"
    mv "$PKG_DIR/${crate}_bg.opt.wasm" "$PKG_DIR/${crate}_bg.wasm"
    printf '%s\n' "$want" >"$stamp"
    log "built www/pkg: $(wc -c <"$raw") bytes from rustc -> $(wc -c <"$PKG_DIR/${crate}_bg.wasm") bytes after wasm-bindgen + wasm-opt"
}

# --- fuzzing (scripts/fuzz) -----------------------------------------------------

CARGO_FUZZ_VERSION=0.13.2
FUZZ_TARGETS=(decoder broker client topic)

# The nightly toolchain (cargo-fuzz needs it for its instrumentation flags) and
# cargo-fuzz at the pinned version.
ensure_fuzz_tools() {
    require_cargo
    if ! rustup run nightly rustc --version >/dev/null 2>&1; then
        log "installing the nightly Rust toolchain (for cargo-fuzz)"
        rustup toolchain install nightly --profile minimal
    fi
    local have
    have="$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" || true
    if [ "$have" != "$CARGO_FUZZ_VERSION" ]; then
        log "installing cargo-fuzz $CARGO_FUZZ_VERSION (found: ${have:-none}); about two minutes"
        cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" --force
    fi
}

# Writes the seed corpora (valid packets of every type and version, from the
# codec) into fuzz/corpus/<target>/, next to what earlier runs found.
write_fuzz_seeds() {
    cargo run --quiet --example fuzz_seeds -- "$ROOT/fuzz/corpus"
}

# Builds every fuzz target. No sanitizer: the crate forbids unsafe code, and
# without AddressSanitizer each run executes about twice as many inputs.
build_fuzz_targets() {
    (cd "$ROOT" && cargo +nightly fuzz build --sanitizer none)
}
