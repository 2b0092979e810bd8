// segrt synth: the synthetic phantom data set, written as a 2-D folder.
#include <cstdio>

#include "apps/args.h"
#include "apps/commands.h"
#include "runtime/data/synth.h"

namespace segrt::app {

int cmd_synth(const Argv& argv) {
  Args a("segrt synth",
         "segrt synth --out DIR [--count N] [--size HxW] [--channels 3|4] [--multiclass]",
         {{"out", "DIR", "output folder (images/ and masks/ are created)"},
          {"count", "N", "number of images", "100"},
          {"size", "HxW", "image size", "128x128"},
          {"channels", "C", "3 (T1, T2, FLAIR) or 4 (T1, T1ce, T2, FLAIR)", "3"},
          {"multiclass", "", "label edema 1 and core 2 instead of a binary tumour mask"},
          {"empty", "F", "fraction of images without a tumour", "0"},
          {"seed", "S", "random seed", "1"}});
  if (!a.parse(argv)) return 0;
  if (!a.has("out")) throw Error("segrt synth: --out DIR is required");
  SynthOptions o;
  o.count = a.integer("count");
  std::tie(o.height, o.width) = a.size("size");
  o.channels = a.integer("channels");
  o.multiclass = a.flag("multiclass");
  o.empty_fraction = a.real("empty");
  if (!(o.empty_fraction >= 0 && o.empty_fraction <= 1))
    throw Error("segrt synth: --empty must be a fraction in [0, 1]");
  o.seed = static_cast<uint64_t>(a.integer("seed"));
  if (o.count < 1) throw Error("segrt synth: --count must be at least 1");
  write_synth_dataset(a.str("out"), o);
  std::printf("wrote %d synthetic images (%dx%d, %d channels) to %s\n", o.count, o.height, o.width,
              o.channels, a.str("out").c_str());
  return 0;
}

}  // namespace segrt::app
