// segrt: train, evaluate and run U-Net-family segmentation networks.
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <string>

#include "apps/commands.h"
#include "graph/ir.h"

namespace {

const char* kUsage =
    "usage: segrt COMMAND [options]   (segrt COMMAND --help for its options)\n\n"
    "commands:\n"
    "  demo     synthesise phantoms, train ORU-Net, segment held-out images, report Dice\n"
    "  train    train a network on a data folder (2-D images+masks, or NIfTI volumes)\n"
    "  eval     evaluate a trained model on a data folder (Dice, IoU, HD95, ...)\n"
    "  infer    segment image or volume files, writing masks and overlays\n"
    "  info     layers, shapes, parameters and FLOPs of a model\n"
    "  models   the model zoo and each model's options\n"
    "  synth    write a synthetic brain-MRI-like data set\n"
    "  bench    time inference or a training step (median ms, peak memory)\n"
    "  devices  the Vulkan devices this build can use, and their limits\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace segrt::app;
  const std::map<std::string, std::function<int(const Argv&)>> cmds = {
      {"demo", cmd_demo},   {"train", cmd_train},   {"eval", cmd_eval},
      {"infer", cmd_infer}, {"info", cmd_info},     {"synth", cmd_synth},
      {"bench", cmd_bench}, {"models", cmd_models}, {"devices", cmd_devices}};
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::puts("segrt 0.1.0");
    return 0;
  }
  auto it = cmds.find(argv[1]);
  if (it == cmds.end()) {
    std::fprintf(stderr, "segrt: unknown command '%s'\n\n%s", argv[1], kUsage);
    return 2;
  }
  // Messages that already name the command (the option parser's) are not prefixed twice.
  const std::string prefix = std::string("segrt ") + argv[1] + ": ";
  auto report = [&](const char* what) {
    std::string msg = what;
    if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
    std::fprintf(stderr, "%serror: %s\n", prefix.c_str(), msg.c_str());
  };
  try {
    return it->second(Argv(argv + 2, argv + argc));
  } catch (const std::bad_alloc&) {
    report("out of memory");
  } catch (const std::exception& e) {  // segrt::Error and the standard library's
    report(e.what());
  }
  return 1;
}
