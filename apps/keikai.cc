#include "keikai/cli/cli.h"

int main(int argc, char** argv) { return keikai::cli::Main(argc, argv); }
