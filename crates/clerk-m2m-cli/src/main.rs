//! The `clerk-m2m` binary: see the `clerk_m2m_cli` crate docs or `clerk-m2m --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    clerk_m2m_cli::main().into()
}
