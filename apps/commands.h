// The `segrt` subcommands. Each takes its arguments (without the command name) and returns the
// process exit code; errors are thrown as segrt::Error and reported by main.
#pragma once

#include <string>
#include <vector>

namespace segrt::app {

using Argv = std::vector<std::string>;

int cmd_demo(const Argv& a);
int cmd_train(const Argv& a);
int cmd_eval(const Argv& a);
int cmd_infer(const Argv& a);
int cmd_info(const Argv& a);
int cmd_synth(const Argv& a);
int cmd_bench(const Argv& a);
int cmd_models(const Argv& a);
int cmd_devices(const Argv& a);

}  // namespace segrt::app
