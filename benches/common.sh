# Shared by the load benchmarks (sourced, not run): messages, the tools
# they need, oha (installed with cargo when missing) and a free port.
# The sourcing script sets NAME first, for its messages.

say() { printf '%s\n' "$*" >&2; }
die() { say "$NAME: $*"; exit 1; }

for tool in curl python3; do
    command -v "$tool" >/dev/null || die "$tool is required"
done

OHA=${OHA:-}
if [ -z "$OHA" ]; then
    if command -v oha >/dev/null; then
        OHA=$(command -v oha)
    elif [ -x "$HOME/.cargo/bin/oha" ]; then
        OHA=$HOME/.cargo/bin/oha
    else
        say "oha is missing: installing it with cargo install oha --locked (several minutes)"
        cargo install oha --locked >&2 || die "cannot install oha"
        OHA=$HOME/.cargo/bin/oha
    fi
fi
"$OHA" --version >/dev/null 2>&1 || die "$OHA does not run"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
