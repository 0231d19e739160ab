//! The `kokuc` binary: everything lives in the library (`kokuc::cli`).

fn main() -> std::process::ExitCode {
    kokuc::cli::main(std::env::args_os())
}
