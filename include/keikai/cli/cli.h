#pragma once
// The keikai command line: subcommands over the library. Main() never throws; it returns the
// process exit code (0 ok, 1 a fatal error or a file that could not be read, 2 a usage error).

namespace keikai::cli {

int Main(int argc, char** argv);

}  // namespace keikai::cli
