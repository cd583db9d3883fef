// tandemctl: inspect and use tandem's offset maps, translate and fail over consumer groups,
// verify and drill (docs/design.md, "CLI"). The commands live in the tandem_tools library
// (tools/tandemctl.h) so tests can run them in-process; this file is only main().

#include "tools/tandemctl.h"

int main(int argc, char** argv) { return tandem::engine::cli::main(tandem::tools::tandemctl_program(), argc, argv); }
